-- CreateIndex
CREATE INDEX "credential_secretHash_idx" ON "credential"("secretHash");

