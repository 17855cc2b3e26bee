-- An event is settled once every handler subscribed to it applied it or dead-lettered it.
-- The partial index holds only the events not settled yet (the last few minutes' worth), so
-- the check for deliveries Redis lost reads an index of recent rows, never the whole outbox.
ALTER TABLE "platform_outbox_event" ADD COLUMN "settled_at" TIMESTAMPTZ(3);
ALTER TABLE "platform_outbox_event" ADD COLUMN "redelivered_at" TIMESTAMPTZ(3);
UPDATE "platform_outbox_event" SET "settled_at" = "dispatched_at" WHERE "dispatched_at" IS NOT NULL;
CREATE INDEX "platform_outbox_event_unsettled_idx" ON "platform_outbox_event" ("seq")
  WHERE "settled_at" IS NULL AND "dispatched_at" IS NOT NULL;
