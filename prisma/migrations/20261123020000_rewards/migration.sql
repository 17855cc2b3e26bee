-- Rewards: points ledger, catalogue, vouchers, retailer keys, donations.

CREATE TABLE "rewards_account" (
    "account_id" UUID NOT NULL,
    "balance" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_account_pkey" PRIMARY KEY ("account_id"),
    -- Last line of defence: the application checks first, the database refuses anyway.
    CONSTRAINT "rewards_account_balance_non_negative" CHECK ("balance" >= 0)
);

CREATE TABLE "rewards_ledger_entry" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "delta" INTEGER NOT NULL,
    "balance_after" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_ledger_entry_pkey" PRIMARY KEY ("seq"),
    CONSTRAINT "rewards_ledger_entry_delta_non_zero" CHECK ("delta" <> 0),
    CONSTRAINT "rewards_ledger_entry_balance_non_negative" CHECK ("balance_after" >= 0),
    CONSTRAINT "rewards_ledger_entry_reason" CHECK ("reason" IN ('connection', 'redemption', 'donation'))
);
CREATE UNIQUE INDEX "rewards_ledger_entry_id_key" ON "rewards_ledger_entry"("id");
CREATE UNIQUE INDEX "rewards_ledger_entry_idempotency_key_key" ON "rewards_ledger_entry"("idempotency_key");
CREATE INDEX "rewards_ledger_entry_account_id_seq_idx" ON "rewards_ledger_entry"("account_id", "seq");

CREATE TABLE "rewards_idempotency_key" (
    "account_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_idempotency_key_pkey" PRIMARY KEY ("account_id", "key")
);

CREATE TABLE "rewards_retailer" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "website" TEXT,
    "contact_email" TEXT,
    "zip" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_retailer_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "rewards_retailer_external_id_key" ON "rewards_retailer"("external_id");

CREATE TABLE "rewards_retailer_key" (
    "id" UUID NOT NULL,
    "retailer_id" UUID NOT NULL,
    "key_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "rewards_retailer_key_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "rewards_retailer_key_key_hash_key" ON "rewards_retailer_key"("key_hash");
CREATE INDEX "rewards_retailer_key_retailer_id_idx" ON "rewards_retailer_key"("retailer_id");

CREATE TABLE "rewards_offer" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "retailer_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "points_cost" INTEGER NOT NULL,
    "discount" TEXT NOT NULL,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_until" TIMESTAMPTZ(3) NOT NULL,
    "max_redemptions" INTEGER,
    "redeemed_count" INTEGER NOT NULL DEFAULT 0,
    "zips" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_offer_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "rewards_offer_points_cost_positive" CHECK ("points_cost" > 0),
    CONSTRAINT "rewards_offer_window" CHECK ("valid_until" > "valid_from"),
    CONSTRAINT "rewards_offer_max_redemptions_positive" CHECK ("max_redemptions" IS NULL OR "max_redemptions" > 0),
    -- No oversell: stock can never be exceeded, whatever the application does.
    CONSTRAINT "rewards_offer_no_oversell" CHECK ("redeemed_count" >= 0 AND ("max_redemptions" IS NULL OR "redeemed_count" <= "max_redemptions"))
);
CREATE UNIQUE INDEX "rewards_offer_external_id_key" ON "rewards_offer"("external_id");
CREATE INDEX "rewards_offer_valid_until_idx" ON "rewards_offer"("valid_until");
CREATE INDEX "rewards_offer_zips_idx" ON "rewards_offer" USING GIN ("zips");
ALTER TABLE "rewards_offer" ADD CONSTRAINT "rewards_offer_retailer_id_fkey" FOREIGN KEY ("retailer_id") REFERENCES "rewards_retailer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "rewards_municipality" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "zips" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_municipality_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "rewards_municipality_external_id_key" ON "rewards_municipality"("external_id");
CREATE INDEX "rewards_municipality_zips_idx" ON "rewards_municipality" USING GIN ("zips");

CREATE TABLE "rewards_scheme" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "municipality_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "multiplier" DOUBLE PRECISION NOT NULL,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_until" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_scheme_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "rewards_scheme_multiplier_positive" CHECK ("multiplier" > 0),
    CONSTRAINT "rewards_scheme_window" CHECK ("valid_until" > "valid_from")
);
CREATE UNIQUE INDEX "rewards_scheme_external_id_key" ON "rewards_scheme"("external_id");
CREATE INDEX "rewards_scheme_municipality_id_idx" ON "rewards_scheme"("municipality_id");
ALTER TABLE "rewards_scheme" ADD CONSTRAINT "rewards_scheme_municipality_id_fkey" FOREIGN KEY ("municipality_id") REFERENCES "rewards_municipality"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "rewards_charity" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "website" TEXT,
    "ein" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_charity_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "rewards_charity_external_id_key" ON "rewards_charity"("external_id");

CREATE TABLE "rewards_voucher" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "account_id" UUID NOT NULL,
    "offer_id" UUID NOT NULL,
    "retailer_id" UUID NOT NULL,
    "points_cost" INTEGER NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "kid" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "ledger_entry_id" UUID NOT NULL,
    CONSTRAINT "rewards_voucher_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "rewards_voucher_used_before_expiry" CHECK ("used_at" IS NULL OR "used_at" <= "expires_at")
);
CREATE UNIQUE INDEX "rewards_voucher_code_key" ON "rewards_voucher"("code");
CREATE UNIQUE INDEX "rewards_voucher_ledger_entry_id_key" ON "rewards_voucher"("ledger_entry_id");
CREATE INDEX "rewards_voucher_account_id_issued_at_idx" ON "rewards_voucher"("account_id", "issued_at");

CREATE TABLE "rewards_donation" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "charity_id" UUID NOT NULL,
    "points" INTEGER NOT NULL,
    "ledger_entry_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rewards_donation_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "rewards_donation_points_positive" CHECK ("points" > 0)
);
CREATE UNIQUE INDEX "rewards_donation_ledger_entry_id_key" ON "rewards_donation"("ledger_entry_id");
CREATE INDEX "rewards_donation_charity_id_created_at_idx" ON "rewards_donation"("charity_id", "created_at");
ALTER TABLE "rewards_donation" ADD CONSTRAINT "rewards_donation_charity_id_fkey" FOREIGN KEY ("charity_id") REFERENCES "rewards_charity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
