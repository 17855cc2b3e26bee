-- IAM: accounts, provider identities, sessions, rotated refresh tokens, phone↔device binding,
-- officer roster, admin pre-authorisations, audit trail.

CREATE TABLE "iam_account" (
    "id" UUID NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'citizen',
    "status" TEXT NOT NULL DEFAULT 'active',
    "email_cipher" TEXT NOT NULL,
    "email_hash" TEXT NOT NULL,
    "email_verified" BOOLEAN NOT NULL DEFAULT false,
    "phone_cipher" TEXT,
    "phone_hash" TEXT,
    "phone_verified_at" TIMESTAMPTZ(3),
    "pii_key_id" TEXT NOT NULL,
    "display_name" TEXT,
    "suspended_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "iam_account_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "iam_account_role_check" CHECK ("role" IN ('citizen', 'officer', 'admin')),
    CONSTRAINT "iam_account_status_check" CHECK ("status" IN ('active', 'suspended'))
);
CREATE INDEX "iam_account_email_hash_idx" ON "iam_account"("email_hash");
CREATE INDEX "iam_account_phone_hash_idx" ON "iam_account"("phone_hash");

CREATE TABLE "iam_identity" (
    "provider" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "account_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "iam_identity_pkey" PRIMARY KEY ("provider", "subject")
);
CREATE INDEX "iam_identity_account_id_idx" ON "iam_identity"("account_id");
ALTER TABLE "iam_identity" ADD CONSTRAINT "iam_identity_account_id_fkey"
    FOREIGN KEY ("account_id") REFERENCES "iam_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "iam_session" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "device_id" TEXT,
    "access_token_hash" TEXT NOT NULL,
    "access_expires_at" TIMESTAMPTZ(3) NOT NULL,
    "refresh_token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refreshed_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_reason" TEXT,
    CONSTRAINT "iam_session_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "iam_session_access_token_hash_key" ON "iam_session"("access_token_hash");
CREATE UNIQUE INDEX "iam_session_refresh_token_hash_key" ON "iam_session"("refresh_token_hash");
CREATE INDEX "iam_session_account_id_idx" ON "iam_session"("account_id");
CREATE INDEX "iam_session_device_id_idx" ON "iam_session"("device_id");
ALTER TABLE "iam_session" ADD CONSTRAINT "iam_session_account_id_fkey"
    FOREIGN KEY ("account_id") REFERENCES "iam_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "iam_rotated_refresh_token" (
    "token_hash" TEXT NOT NULL,
    "session_id" UUID NOT NULL,
    "rotated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "iam_rotated_refresh_token_pkey" PRIMARY KEY ("token_hash")
);
CREATE INDEX "iam_rotated_refresh_token_session_id_idx" ON "iam_rotated_refresh_token"("session_id");

CREATE TABLE "iam_phone_device" (
    "phone_hash" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "account_id" UUID NOT NULL,
    "bound_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "iam_phone_device_pkey" PRIMARY KEY ("phone_hash")
);

CREATE TABLE "iam_officer_roster" (
    "id" UUID NOT NULL,
    "email_hash" TEXT NOT NULL,
    "email_cipher" TEXT NOT NULL,
    "pii_key_id" TEXT NOT NULL,
    "badge_number" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT NOT NULL,
    "precinct" TEXT NOT NULL,
    "zip" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "iam_officer_roster_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "iam_officer_roster_email_hash_key" ON "iam_officer_roster"("email_hash");
CREATE INDEX "iam_officer_roster_badge_number_idx" ON "iam_officer_roster"("badge_number");

CREATE TABLE "iam_admin_grant" (
    "email_hash" TEXT NOT NULL,
    "email_cipher" TEXT NOT NULL,
    "pii_key_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" TIMESTAMPTZ(3),
    "account_id" UUID,
    CONSTRAINT "iam_admin_grant_pkey" PRIMARY KEY ("email_hash")
);

CREATE TABLE "iam_audit_entry" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" UUID,
    "action" TEXT NOT NULL,
    "target_id" TEXT,
    "ip" TEXT,
    "user_agent" TEXT,
    "detail" JSONB,
    CONSTRAINT "iam_audit_entry_pkey" PRIMARY KEY ("seq")
);
CREATE UNIQUE INDEX "iam_audit_entry_id_key" ON "iam_audit_entry"("id");
CREATE INDEX "iam_audit_entry_actor_id_seq_idx" ON "iam_audit_entry"("actor_id", "seq");
CREATE INDEX "iam_audit_entry_target_id_seq_idx" ON "iam_audit_entry"("target_id", "seq");
