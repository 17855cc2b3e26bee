-- Platform: transactional outbox, processed-event dedupe, dead letters.

CREATE TABLE "platform_outbox_event" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatched_at" TIMESTAMPTZ(3),
    CONSTRAINT "platform_outbox_event_pkey" PRIMARY KEY ("seq")
);
CREATE UNIQUE INDEX "platform_outbox_event_id_key" ON "platform_outbox_event"("id");
-- The relay only ever scans undispatched rows.
CREATE INDEX "platform_outbox_event_pending_idx" ON "platform_outbox_event"("seq") WHERE "dispatched_at" IS NULL;

CREATE TABLE "platform_processed_event" (
    "handler_id" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "platform_processed_event_pkey" PRIMARY KEY ("handler_id", "event_id")
);

CREATE TABLE "platform_dead_letter" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "event_id" UUID,
    "event_type" TEXT,
    "payload" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "failed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayed_at" TIMESTAMPTZ(3),
    "replay_count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "platform_dead_letter_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "platform_dead_letter_failed_at_idx" ON "platform_dead_letter"("failed_at");
