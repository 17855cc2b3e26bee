/** The bull queue of upload jobs; the bull job id is `etl-<job id>` (deterministic: a repeat add is a no-op). */
export const ETL_QUEUE = 'etl.uploads';
export const etlBullJobId = (jobId: string): string => `etl-${jobId}`;
/** Rejected rows kept on the job view (the CSV report has them all). */
export const ETL_ERRORS_IN_VIEW = 100;
