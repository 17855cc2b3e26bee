-- Profile: the event-fed read model (profiles, counted connections and donations, trophies).

CREATE TABLE "profile_profile" (
    "id" UUID NOT NULL,
    "display_name" TEXT NOT NULL,
    "display_name_custom" BOOLEAN NOT NULL DEFAULT false,
    "bio" TEXT,
    "avatar_url" TEXT,
    "zip" TEXT,
    "role" TEXT NOT NULL,
    "role_as_of" TIMESTAMPTZ(3) NOT NULL DEFAULT 'epoch'::timestamptz,
    "precinct" TEXT,
    "share_consent" BOOLEAN NOT NULL DEFAULT false,
    "points_balance" INTEGER NOT NULL DEFAULT 0,
    "balance_seq" BIGINT NOT NULL DEFAULT 0,
    "connections_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "profile_profile_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "profile_profile_counts_non_negative" CHECK ("points_balance" >= 0 AND "connections_count" >= 0),
    CONSTRAINT "profile_profile_zip_format" CHECK ("zip" IS NULL OR "zip" ~ '^[0-9]{5}$')
);

CREATE TABLE "profile_connection" (
    "account_id" UUID NOT NULL,
    "connection_id" UUID NOT NULL,
    "zip" TEXT,
    "established_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "profile_connection_pkey" PRIMARY KEY ("account_id", "connection_id")
);

CREATE TABLE "profile_donation" (
    "account_id" UUID NOT NULL,
    "donation_id" UUID NOT NULL,
    "points" INTEGER NOT NULL,
    "donated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "profile_donation_pkey" PRIMARY KEY ("account_id", "donation_id")
);

CREATE TABLE "profile_trophy" (
    "account_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "awarded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "profile_trophy_pkey" PRIMARY KEY ("account_id", "code")
);
