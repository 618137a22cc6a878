-- AlterTable
ALTER TABLE "app" ADD COLUMN     "changeTxid" BIGINT;

-- AlterTable
ALTER TABLE "credential" ADD COLUMN     "changeTxid" BIGINT;

-- CreateIndex
CREATE INDEX "app_changeTxid_idx" ON "app"("changeTxid");

-- CreateIndex
CREATE INDEX "credential_changeTxid_idx" ON "credential"("changeTxid");


-- Key verification answers from an in-memory index of credentials (src/features/verify/). Each
-- replica re-reads the rows whose "changeTxid" is not yet visible in its last snapshot, so an
-- index kept current by LISTEN/NOTIFY also catches a change whose notification was lost. The
-- columns hold the id of the transaction that last changed what verification reads (an xid8,
-- stored as bigint: Prisma cannot read an xid8 column, e.g. in a raw SELECT *).
CREATE FUNCTION appkeys_stamp_change_txid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."changeTxid" := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END
$$;

CREATE TRIGGER credential_change_txid
  BEFORE INSERT OR UPDATE OF "sharedKey", "secretHash", "status", "revokeAt", "appId", "environment" ON "credential"
  FOR EACH ROW EXECUTE FUNCTION appkeys_stamp_change_txid();

CREATE TRIGGER app_change_txid
  BEFORE INSERT OR UPDATE OF "archivedAt", "publicId" ON "app"
  FOR EACH ROW EXECUTE FUNCTION appkeys_stamp_change_txid();

-- An app's endpoints are part of every one of its keys' answers: a change stamps the app.
CREATE FUNCTION appkeys_app_endpoints_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "app" SET "changeTxid" = pg_current_xact_id()::text::bigint WHERE "id" IN (SELECT "appId" FROM changed);
  RETURN NULL;
END
$$;

CREATE TRIGGER app_endpoint_inserted_change_txid
  AFTER INSERT ON "app_endpoint" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION appkeys_app_endpoints_changed();

CREATE TRIGGER app_endpoint_deleted_change_txid
  AFTER DELETE ON "app_endpoint" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION appkeys_app_endpoints_changed();
