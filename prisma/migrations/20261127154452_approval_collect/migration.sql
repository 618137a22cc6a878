-- AlterTable
ALTER TABLE "approval" ADD COLUMN     "fulfilledAt" TIMESTAMP(3),
ADD COLUMN     "issuedCredentialId" TEXT;


-- One pending revocation request per key: two owners asking at once must not both queue one.
CREATE UNIQUE INDEX "approval_pending_revoke_key" ON "approval"("credentialId") WHERE "status" = 'PENDING' AND "kind" = 'REVOKE';
