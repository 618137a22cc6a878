-- AlterTable
ALTER TABLE "app_owner" ADD COLUMN     "viaGroupId" TEXT;

-- AlterTable
ALTER TABLE "credential" ADD COLUMN     "creatorLeftAt" TIMESTAMP(3),
ADD COLUMN     "rotateBy" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "app_team" (
    "appId" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "addedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_team_pkey" PRIMARY KEY ("appId","groupId")
);

-- CreateTable
CREATE TABLE "user_group" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "handle" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL DEFAULT '',
    "syncedAt" TIMESTAMP(3),
    "removedAt" TIMESTAMP(3),
    "lastError" TEXT,

    CONSTRAINT "user_group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_group_member" (
    "groupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,

    CONSTRAINT "user_group_member_pkey" PRIMARY KEY ("groupId","userId")
);

-- CreateTable
CREATE TABLE "departed_user" (
    "userId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "departedAt" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,

    CONSTRAINT "departed_user_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "access_review" (
    "id" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "closesAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),
    "enforced" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "access_review_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_review_item" (
    "reviewId" TEXT NOT NULL,
    "credentialId" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "decision" TEXT,
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "outcome" TEXT,

    CONSTRAINT "access_review_item_pkey" PRIMARY KEY ("reviewId","credentialId")
);

-- CreateTable
CREATE TABLE "access_review_notice" (
    "reviewId" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3),
    "claimedBy" TEXT,
    "claimedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,

    CONSTRAINT "access_review_notice_pkey" PRIMARY KEY ("reviewId","appId","ownerId")
);

-- CreateIndex
CREATE INDEX "app_team_groupId_idx" ON "app_team"("groupId");

-- CreateIndex
CREATE INDEX "user_group_member_userId_idx" ON "user_group_member"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "access_review_slot_key" ON "access_review"("slot");

-- CreateIndex
CREATE INDEX "access_review_closedAt_closesAt_idx" ON "access_review"("closedAt", "closesAt");

-- CreateIndex
CREATE INDEX "access_review_item_reviewId_appId_idx" ON "access_review_item"("reviewId", "appId");

-- CreateIndex
CREATE INDEX "access_review_notice_sentAt_idx" ON "access_review_notice"("sentAt");

-- AddForeignKey
ALTER TABLE "app_team" ADD CONSTRAINT "app_team_appId_fkey" FOREIGN KEY ("appId") REFERENCES "app"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_team" ADD CONSTRAINT "app_team_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "user_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_group_member" ADD CONSTRAINT "user_group_member_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "user_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_review_item" ADD CONSTRAINT "access_review_item_reviewId_fkey" FOREIGN KEY ("reviewId") REFERENCES "access_review"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_review_notice" ADD CONSTRAINT "access_review_notice_reviewId_fkey" FOREIGN KEY ("reviewId") REFERENCES "access_review"("id") ON DELETE CASCADE ON UPDATE CASCADE;

