-- One push of one event to one device (issue 21): the key makes a re-delivered event add no
-- second push; the status makes a retried or swept job send at most once.
-- pending → sending → sent | failed (retrying) | dead (dead-lettered) | invalid (token refused) | dropped (device gone)
CREATE TABLE "notifications_push" (
    "event_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "message" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "notifications_push_pkey" PRIMARY KEY ("event_id", "device_id")
);

-- The sweeper reads the rows still open, oldest first.
CREATE INDEX "notifications_push_open_idx" ON "notifications_push"("updated_at") WHERE "status" IN ('pending', 'sending');
