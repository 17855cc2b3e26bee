-- ETL: the per-job key table (duplicate detection within one upload, deleted when the job
-- finishes) skips the write-ahead log. It is written once per uploaded row, so its WAL was a
-- large share of a big upload's. After a PostgreSQL crash an unlogged table comes back
-- empty: a job resumed then reports a duplicate only against rows read after the crash
-- (a repeated external id otherwise upserts the later row over the earlier one, as a
-- re-upload would). A crash of the application keeps the table.
ALTER TABLE "etl_job_key" SET UNLOGGED;
