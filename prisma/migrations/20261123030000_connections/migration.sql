-- Connections: established officer-citizen connections (no raw positions, only time and coarse area).

CREATE TABLE "connections_connection" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "officer_id" UUID NOT NULL,
    "citizen_id" UUID NOT NULL,
    "established_at" TIMESTAMPTZ(3) NOT NULL,
    "zip" TEXT,
    "cell" TEXT NOT NULL,
    "officer_points" INTEGER NOT NULL DEFAULT 0,
    "citizen_points" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "connections_connection_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "connections_connection_distinct_pair" CHECK ("officer_id" <> "citizen_id"),
    CONSTRAINT "connections_connection_zip_format" CHECK ("zip" IS NULL OR "zip" ~ '^[0-9]{5}$'),
    CONSTRAINT "connections_connection_points_non_negative" CHECK ("officer_points" >= 0 AND "citizen_points" >= 0)
);
CREATE UNIQUE INDEX "connections_connection_request_id_key" ON "connections_connection"("request_id");
CREATE INDEX "connections_connection_officer_id_citizen_id_established_at_idx" ON "connections_connection"("officer_id", "citizen_id", "established_at");
CREATE INDEX "connections_connection_officer_id_established_at_idx" ON "connections_connection"("officer_id", "established_at");
CREATE INDEX "connections_connection_citizen_id_established_at_idx" ON "connections_connection"("citizen_id", "established_at");
