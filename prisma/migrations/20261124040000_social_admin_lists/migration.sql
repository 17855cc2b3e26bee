-- Social: when each projected connection was established (the admin list of consented
-- connections is newest first), and keyset indexes for the admin lists of posts and connections.

ALTER TABLE "social_connection" ADD COLUMN "established_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- Rows projected before this column: the time their ConnectionEstablished event carried
-- (the outbox keeps dispatched events); the migration's time when the event is gone.
UPDATE "social_connection" c
SET "established_at" = (e."payload" ->> 'establishedAt')::timestamptz
FROM "platform_outbox_event" e
WHERE e."type" = 'ConnectionEstablished'
  AND e."payload" ->> 'connectionId' = c."connection_id"::text
  AND e."payload" ->> 'establishedAt' IS NOT NULL;

CREATE INDEX "social_connection_established_at_connection_id_idx" ON "social_connection"("established_at" DESC, "connection_id" DESC);

CREATE INDEX "social_post_created_at_id_idx" ON "social_post"("created_at" DESC, "id" DESC);
