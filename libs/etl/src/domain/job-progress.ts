/** Share of an upload read and committed, 0..1 to three decimals (by bytes; a finished job is 1). */
export function jobProgress(j: { status: string; bytesRead: number; bytesTotal: number }): number {
  if (j.status === 'done') return 1;
  return j.bytesTotal > 0 ? Math.min(1, Math.round((j.bytesRead / j.bytesTotal) * 1000) / 1000) : 0;
}

/** Where an upload stands, as both the job view and the job list show it. */
export function jobCounts(j: {
  status: string;
  bytesRead: number;
  bytesTotal: number;
  committedRows: number;
  rowsOk: number;
  rowsFailed: number;
}) {
  return {
    status: j.status,
    progress: jobProgress(j),
    rowsTotal: j.committedRows,
    rowsOk: j.rowsOk,
    rowsFailed: j.rowsFailed,
  };
}
