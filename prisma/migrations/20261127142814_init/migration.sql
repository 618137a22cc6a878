-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Environment" AS ENUM ('development', 'staging', 'production');

-- CreateEnum
CREATE TYPE "CredentialStatus" AS ENUM ('ACTIVE', 'REVOKED');

-- CreateEnum
CREATE TYPE "ApprovalKind" AS ENUM ('GENERATE', 'REVOKE');

-- CreateEnum
CREATE TYPE "ApprovalStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLED');

-- CreateTable
CREATE TABLE "endpoint" (
    "id" TEXT NOT NULL,
    "api" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '',
    "retiredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "endpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app" (
    "id" TEXT NOT NULL,
    "publicId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "titleKey" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ownerId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "archivedAt" TIMESTAMP(3),

    CONSTRAINT "app_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_owner" (
    "appId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'co-owner',
    "addedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_owner_pkey" PRIMARY KEY ("appId","userId")
);

-- CreateTable
CREATE TABLE "app_endpoint" (
    "appId" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_endpoint_pkey" PRIMARY KEY ("appId","endpointId")
);

-- CreateTable
CREATE TABLE "credential" (
    "id" TEXT NOT NULL,
    "appId" TEXT NOT NULL,
    "environment" "Environment" NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "sharedKey" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "secretLast4" TEXT NOT NULL,
    "status" "CredentialStatus" NOT NULL DEFAULT 'ACTIVE',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "revokedBy" TEXT,
    "revokeReason" TEXT,
    "revokeNote" TEXT,
    "revokeAt" TIMESTAMP(3),
    "replacedById" TEXT,
    "lastUsedAt" TIMESTAMP(3),
    "snoozedUntil" TIMESTAMP(3),
    "snoozeReason" TEXT,
    "snoozedBy" TEXT,

    CONSTRAINT "credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "approval" (
    "id" TEXT NOT NULL,
    "kind" "ApprovalKind" NOT NULL,
    "status" "ApprovalStatus" NOT NULL DEFAULT 'PENDING',
    "appId" TEXT NOT NULL,
    "credentialId" TEXT,
    "requesterId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "decisionNote" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "approval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "teamId" TEXT,
    "appId" TEXT,
    "appPublicId" TEXT,
    "appTitle" TEXT,
    "credentialId" TEXT,
    "environment" TEXT,
    "reason" TEXT,
    "details" JSONB,
    "deliveredAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rotation_reminder" (
    "id" TEXT NOT NULL,
    "credentialId" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "claimedBy" TEXT,
    "claimedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,

    CONSTRAINT "rotation_reminder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_run" (
    "job" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "claimedBy" TEXT NOT NULL,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "job_run_pkey" PRIMARY KEY ("job","slot")
);

-- CreateTable
CREATE TABLE "setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "processed_event" (
    "eventId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("eventId")
);

-- CreateIndex
CREATE INDEX "endpoint_api_idx" ON "endpoint"("api");

-- CreateIndex
CREATE UNIQUE INDEX "app_publicId_key" ON "app"("publicId");

-- CreateIndex
CREATE INDEX "app_teamId_titleKey_idx" ON "app"("teamId", "titleKey");

-- CreateIndex
CREATE INDEX "app_owner_userId_idx" ON "app_owner"("userId");

-- CreateIndex
CREATE INDEX "app_endpoint_endpointId_idx" ON "app_endpoint"("endpointId");

-- CreateIndex
CREATE UNIQUE INDEX "credential_sharedKey_key" ON "credential"("sharedKey");

-- CreateIndex
CREATE INDEX "credential_appId_status_idx" ON "credential"("appId", "status");

-- CreateIndex
CREATE INDEX "credential_status_createdAt_idx" ON "credential"("status", "createdAt");

-- CreateIndex
CREATE INDEX "credential_revokeAt_idx" ON "credential"("revokeAt");

-- CreateIndex
CREATE INDEX "approval_status_createdAt_idx" ON "approval"("status", "createdAt");

-- CreateIndex
CREATE INDEX "approval_appId_idx" ON "approval"("appId");

-- CreateIndex
CREATE INDEX "audit_event_deliveredAt_id_idx" ON "audit_event"("deliveredAt", "id");

-- CreateIndex
CREATE INDEX "audit_event_appId_createdAt_idx" ON "audit_event"("appId", "createdAt");

-- CreateIndex
CREATE INDEX "rotation_reminder_sentAt_ownerId_idx" ON "rotation_reminder"("sentAt", "ownerId");

-- CreateIndex
CREATE UNIQUE INDEX "rotation_reminder_credentialId_stage_key" ON "rotation_reminder"("credentialId", "stage");

-- AddForeignKey
ALTER TABLE "app_owner" ADD CONSTRAINT "app_owner_appId_fkey" FOREIGN KEY ("appId") REFERENCES "app"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_endpoint" ADD CONSTRAINT "app_endpoint_appId_fkey" FOREIGN KEY ("appId") REFERENCES "app"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_endpoint" ADD CONSTRAINT "app_endpoint_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "endpoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credential" ADD CONSTRAINT "credential_appId_fkey" FOREIGN KEY ("appId") REFERENCES "app"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approval" ADD CONSTRAINT "approval_appId_fkey" FOREIGN KEY ("appId") REFERENCES "app"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rotation_reminder" ADD CONSTRAINT "rotation_reminder_credentialId_fkey" FOREIGN KEY ("credentialId") REFERENCES "credential"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Titles are unique per workspace among active apps, ignoring case and surrounding spaces.
-- Prisma's schema language cannot express a partial unique index, so it lives here only.
CREATE UNIQUE INDEX "app_active_title_key" ON "app"("teamId", "titleKey") WHERE "archivedAt" IS NULL;
