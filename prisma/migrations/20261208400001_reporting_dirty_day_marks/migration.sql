-- Dirty-day marks become plain rows (a day may be marked more than once until the rollup runs):
-- with the day as primary key, concurrent consumer transactions that marked the same days in
-- different statements waited on each other's uncommitted insert and could deadlock (issue #27).
ALTER TABLE "reporting_dirty_day" DROP CONSTRAINT "reporting_dirty_day_pkey";
ALTER TABLE "reporting_dirty_day" ADD COLUMN "id" BIGSERIAL PRIMARY KEY;
CREATE INDEX "reporting_dirty_day_day_idx" ON "reporting_dirty_day" ("day");
