-- AlterTable
ALTER TABLE "checkout" ADD COLUMN     "buyer_user_id" TEXT;

-- AddForeignKey
ALTER TABLE "checkout" ADD CONSTRAINT "checkout_buyer_user_id_fkey" FOREIGN KEY ("buyer_user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A personal workspace's checkouts from the buy page were bought by its
-- user (whose id it has). A team's from before this migration name no
-- buyer: their PURCHASE entries recorded the workspace, and stay as written.
UPDATE "checkout" c SET "buyer_user_id" = c."workspace_id"
  FROM "workspace" w WHERE w."id" = c."workspace_id" AND w."kind" = 'PERSONAL' AND c."source" = 'USER';
