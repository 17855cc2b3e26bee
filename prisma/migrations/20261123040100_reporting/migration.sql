-- Reporting: de-identified facts, subject dimensions, daily rollups, dirty days.

CREATE TABLE "reporting_fact" (
    "event_id" UUID NOT NULL,
    "metric" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "day" DATE NOT NULL,
    "hour" INTEGER NOT NULL,
    "zip" TEXT,
    "state" TEXT,
    "precinct" TEXT,
    "charity_id" UUID,
    "value" INTEGER NOT NULL,
    CONSTRAINT "reporting_fact_pkey" PRIMARY KEY ("event_id", "metric", "subject"),
    CONSTRAINT "reporting_fact_hour" CHECK ("hour" BETWEEN 0 AND 23)
);
CREATE INDEX "reporting_fact_metric_day_idx" ON "reporting_fact"("metric", "day");
CREATE INDEX "reporting_fact_day_subject_idx" ON "reporting_fact"("day", "subject");

CREATE TABLE "reporting_subject" (
    "subject" TEXT NOT NULL,
    "role" TEXT,
    "zip" TEXT,
    "precinct" TEXT,
    CONSTRAINT "reporting_subject_pkey" PRIMARY KEY ("subject")
);

CREATE TABLE "reporting_rollup" (
    "metric" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "dim" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" BIGINT NOT NULL,
    CONSTRAINT "reporting_rollup_pkey" PRIMARY KEY ("metric", "day", "dim", "key")
);

CREATE TABLE "reporting_dirty_day" (
    "day" DATE NOT NULL,
    CONSTRAINT "reporting_dirty_day_pkey" PRIMARY KEY ("day")
);
