-- Voucher signing keys shared by every instance. Private keys are AES-256-GCM ciphertexts under
-- the key-encryption key from the secret store (VOUCHER_KEY_ENCRYPTION_KEY); public keys stay in
-- clear so they can be published as long as a voucher they signed is still valid.
CREATE TABLE "rewards_voucher_key" (
    "kid" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "private_key_cipher" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "signs_from" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rewards_voucher_key_pkey" PRIMARY KEY ("kid")
);

-- Which retired keys still have unexpired vouchers (they stay published until then).
CREATE INDEX "rewards_voucher_kid_expires_at_idx" ON "rewards_voucher"("kid", "expires_at");
