-- The audit trail names every kind of actor (an account, a retailer key, the CLI with the OS
-- user, the system itself), filters on indexed columns, and refuses UPDATE, DELETE and
-- TRUNCATE at the database level so that no code path (nor a hand-typed statement) rewrites it.
ALTER TABLE "iam_audit_entry" ADD COLUMN "actor_kind" TEXT NOT NULL DEFAULT 'system';
ALTER TABLE "iam_audit_entry" ADD COLUMN "actor_ref" TEXT;
UPDATE "iam_audit_entry" SET "actor_kind" = 'account' WHERE "actor_id" IS NOT NULL;

CREATE INDEX "iam_audit_entry_action_seq_idx" ON "iam_audit_entry"("action", "seq");
CREATE INDEX "iam_audit_entry_actor_ref_seq_idx" ON "iam_audit_entry"("actor_ref", "seq");
CREATE INDEX "iam_audit_entry_at_idx" ON "iam_audit_entry"("at");

CREATE FUNCTION iam_audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'iam_audit_entry is append-only (% refused)', TG_OP USING ERRCODE = 'HBA01';
END;
$$;

CREATE TRIGGER iam_audit_entry_no_update_delete BEFORE UPDATE OR DELETE ON "iam_audit_entry"
  FOR EACH ROW EXECUTE FUNCTION iam_audit_entry_append_only();
CREATE TRIGGER iam_audit_entry_no_truncate BEFORE TRUNCATE ON "iam_audit_entry"
  FOR EACH STATEMENT EXECUTE FUNCTION iam_audit_entry_append_only();
