-- Push notification devices (issue 21). A device belongs to the session that registered it:
-- IAM ends sessions, Notifications removes their devices (no foreign key across contexts).
-- One row per provider token: a token registered again by another account moves there.
CREATE TABLE "notifications_device" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_device_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notifications_device_platform" CHECK ("platform" IN ('fcm', 'apns'))
);

CREATE UNIQUE INDEX "notifications_device_platform_token_key" ON "notifications_device"("platform", "token");
CREATE INDEX "notifications_device_account_id_idx" ON "notifications_device"("account_id");
CREATE INDEX "notifications_device_session_id_idx" ON "notifications_device"("session_id");
