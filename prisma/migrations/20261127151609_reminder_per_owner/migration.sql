-- DropIndex
DROP INDEX "rotation_reminder_credentialId_stage_key";

-- Until now the recipient was folded into the stage ("due-7@U0123") to fit the old key.
UPDATE "rotation_reminder" SET "stage" = split_part("stage", '@', 1) WHERE "stage" LIKE '%@%';

-- CreateIndex
CREATE UNIQUE INDEX "rotation_reminder_credentialId_stage_ownerId_key" ON "rotation_reminder"("credentialId", "stage", "ownerId");

