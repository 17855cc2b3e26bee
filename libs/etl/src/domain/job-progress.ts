/** Share of an upload read and committed, 0..1 to three decimals (by bytes; a finished job is 1). */
export function jobProgress(j: { status: string; bytesRead: number; bytesTotal: number }): number {
  if (j.status === 'done') return 1;
  return j.bytesTotal > 0 ? Math.min(1, Math.round((j.bytesRead / j.bytesTotal) * 1000) / 1000) : 0;
}
