-- An email change mails the OLD address a link that restores it (once,
-- until it expires): src/server/account/email-change-undo.ts. Only the
-- SHA-256 of the link's token is kept; the rows go with their user.
-- CreateTable
CREATE TABLE "email_change_undo" (
    "token_hash" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "old_email" TEXT NOT NULL,
    "new_email" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "email_change_undo_pkey" PRIMARY KEY ("token_hash")
);

-- CreateIndex
CREATE INDEX "email_change_undo_user_id_created_at_idx" ON "email_change_undo"("user_id", "created_at");

-- AddForeignKey
ALTER TABLE "email_change_undo" ADD CONSTRAINT "email_change_undo_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
