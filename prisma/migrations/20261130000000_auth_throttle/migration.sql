-- Sign-in throttling per client address (src/server/auth/sign-in-throttle.ts),
-- shared by every web process. Not money: no ledger trigger applies.

-- CreateTable
CREATE TABLE "auth_throttle" (
    "key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "auth_throttle_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "auth_throttle_window_started_at_idx" ON "auth_throttle"("window_started_at");

-- A refund never takes the count below zero.
ALTER TABLE "auth_throttle" ADD CONSTRAINT "auth_throttle_attempts_check" CHECK ("attempts" >= 0);
