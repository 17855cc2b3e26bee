import { ValidationFailed } from '@heyblue/platform';

/**
 * Report metrics and the fact metric each one sums. `donations` (per charity, with payout
 * value) is served by Rewards at the static route GET /admin/reports/donations, which wins over
 * this context's `:metric` route; reporting still counts donated points in the summary and
 * keeps per-charity rollups should it take that report over.
 */
export const REPORT_METRICS = {
  connections: { fact: 'connections', by: ['zip', 'state', 'precinct'] },
  points: { fact: 'points_issued', by: ['zip', 'state', 'precinct'] },
  users: { fact: 'users', by: ['zip', 'state', 'precinct'] },
} as const;
export type ReportMetric = keyof typeof REPORT_METRICS;
export const REPORT_METRIC_NAMES = Object.keys(REPORT_METRICS) as ReportMetric[];
export const GROUP_BYS = ['day', 'week', 'month'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];
export const DIMENSIONS = ['zip', 'state', 'precinct'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Longest range a report may cover (two years, leap day included). */
export const MAX_RANGE_DAYS = 731;
const DAY_MS = 86_400_000;

export interface ReportQuery {
  metric: ReportMetric;
  from: string;
  to: string;
  groupBy: GroupBy;
  by: Dimension | null;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const parseDay = (s: string): Date | null => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const d = new Date(`${s}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || isoDay(d) !== s ? null : d;
};

/** The date range of a report or summary: `from`..`to` inclusive, UTC days; defaults to the last 30 days. */
export function reportRange(
  from: string | undefined,
  to: string | undefined,
  now = new Date(),
): { from: string; to: string } {
  const toDay = to === undefined ? new Date(`${isoDay(now)}T00:00:00Z`) : parseDay(to);
  const fromDay =
    from === undefined ? (toDay ? new Date(toDay.getTime() - 29 * DAY_MS) : null) : parseDay(from);
  const errors: Array<{ field: string; message: string }> = [];
  if (!fromDay) errors.push({ field: 'from', message: 'must be a date YYYY-MM-DD' });
  if (!toDay) errors.push({ field: 'to', message: 'must be a date YYYY-MM-DD' });
  if (fromDay && toDay && fromDay > toDay) errors.push({ field: 'from', message: 'must not be after to' });
  if (fromDay && toDay && (toDay.getTime() - fromDay.getTime()) / DAY_MS + 1 > MAX_RANGE_DAYS)
    errors.push({ field: 'to', message: `the range may cover at most ${MAX_RANGE_DAYS} days` });
  if (errors.length > 0) throw new ValidationFailed(errors);
  return { from: isoDay(fromDay!), to: isoDay(toDay!) };
}

/** Validates a report request (400 VALIDATION_FAILED listing every bad parameter). */
export function reportQuery(
  metric: string,
  q: { from?: string; to?: string; groupBy?: string; by?: string },
  now = new Date(),
): ReportQuery {
  const errors: Array<{ field: string; message: string }> = [];
  if (!(metric in REPORT_METRICS))
    errors.push({ field: 'metric', message: `must be one of ${REPORT_METRIC_NAMES.join(', ')}` });
  const groupBy = q.groupBy ?? 'day';
  if (!(GROUP_BYS as readonly string[]).includes(groupBy))
    errors.push({ field: 'groupBy', message: `must be one of ${GROUP_BYS.join(', ')}` });
  const by = q.by ?? null;
  if (
    by !== null &&
    metric in REPORT_METRICS &&
    !(REPORT_METRICS[metric as ReportMetric].by as readonly string[]).includes(by)
  ) {
    errors.push({
      field: 'by',
      message: `must be one of ${REPORT_METRICS[metric as ReportMetric].by.join(', ')} for ${metric}`,
    });
  } else if (by !== null && !(DIMENSIONS as readonly string[]).includes(by)) {
    errors.push({ field: 'by', message: `must be one of ${DIMENSIONS.join(', ')}` });
  }
  let range: { from: string; to: string } | null = null;
  try {
    range = reportRange(q.from, q.to, now);
  } catch (err) {
    if (!(err instanceof ValidationFailed)) throw err;
    errors.push(...err.errors);
  }
  if (errors.length > 0) throw new ValidationFailed(errors);
  return {
    metric: metric as ReportMetric,
    ...range!,
    groupBy: groupBy as GroupBy,
    by: by as Dimension | null,
  };
}

/** Label of a period: the day, the Monday starting an ISO week, or YYYY-MM. */
export function periodLabel(periodStart: string, groupBy: GroupBy): string {
  return groupBy === 'month' ? periodStart.slice(0, 7) : periodStart;
}
