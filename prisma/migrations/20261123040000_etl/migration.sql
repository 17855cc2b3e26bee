-- ETL: upload jobs, their rejected rows, the keys each job has seen, and the external ids loaded so far.

CREATE TABLE "etl_job" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "format" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "file_path" TEXT NOT NULL,
    "bytes_total" INTEGER NOT NULL,
    "bytes_read" INTEGER NOT NULL DEFAULT 0,
    "rows_total" INTEGER NOT NULL DEFAULT 0,
    "rows_ok" INTEGER NOT NULL DEFAULT 0,
    "rows_failed" INTEGER NOT NULL DEFAULT 0,
    "committed_rows" INTEGER NOT NULL DEFAULT 0,
    "runs" INTEGER NOT NULL DEFAULT 0,
    "failure" TEXT,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "etl_job_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "etl_job_status" CHECK ("status" IN ('queued', 'running', 'done', 'failed')),
    CONSTRAINT "etl_job_kind" CHECK ("kind" IN ('retailers', 'offers', 'municipalities', 'schemes', 'charities', 'officers'))
);
CREATE INDEX "etl_job_created_at_idx" ON "etl_job"("created_at");

CREATE TABLE "etl_job_error" (
    "job_id" UUID NOT NULL,
    "row" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    CONSTRAINT "etl_job_error_pkey" PRIMARY KEY ("job_id", "row", "field")
);

CREATE TABLE "etl_job_key" (
    "job_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "row" INTEGER NOT NULL,
    CONSTRAINT "etl_job_key_pkey" PRIMARY KEY ("job_id", "key")
);

CREATE TABLE "etl_known_ref" (
    "kind" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    CONSTRAINT "etl_known_ref_pkey" PRIMARY KEY ("kind", "external_id")
);
