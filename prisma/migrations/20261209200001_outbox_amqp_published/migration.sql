-- RabbitMQ publisher (AMQP_URL): an event is marked once the broker confirmed it. Rows written
-- before this migration count as published (the bus starts now, it does not replay history):
-- the column is added with now() as its default, which PostgreSQL stores once for every existing
-- row without rewriting the table, and the default is dropped so new rows start unpublished.
-- The partial index holds only the unpublished rows (the publisher's work list, in seq order).
ALTER TABLE "platform_outbox_event" ADD COLUMN "amqp_published_at" TIMESTAMPTZ(3) DEFAULT now();
ALTER TABLE "platform_outbox_event" ALTER COLUMN "amqp_published_at" DROP DEFAULT;
CREATE INDEX "platform_outbox_event_amqp_pending_idx" ON "platform_outbox_event" ("seq")
  WHERE "amqp_published_at" IS NULL;
