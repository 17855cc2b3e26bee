import { ValidationFailed } from '@heyblue/platform';
import { reportQuery, reportRange } from './report-query.js';

const now = new Date('2026-11-23T15:00:00Z');
const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
    return [];
  } catch (err) {
    if (!(err instanceof ValidationFailed)) throw err;
    return err.errors.map((e) => e.field);
  }
};

describe('report parameters', () => {
  it('defaults to the last 30 UTC days, grouped by day, with no dimension', () => {
    expect(reportQuery('connections', {}, now)).toEqual({
      metric: 'connections',
      from: '2026-10-25',
      to: '2026-11-23',
      groupBy: 'day',
      by: null,
    });
  });

  it('accepts exactly 731 days and refuses 732', () => {
    expect(reportRange('2024-01-01', '2025-12-31', now)).toEqual({ from: '2024-01-01', to: '2025-12-31' });
    expect(fieldsOf(() => reportRange('2024-01-01', '2026-01-01', now))).toEqual(['to']);
  });

  it('lists every bad parameter at once', () => {
    expect(
      fieldsOf(() => reportQuery('visits', { groupBy: 'year', from: '2026-02-30', to: 'x' }, now)),
    ).toEqual(['metric', 'groupBy', 'from', 'to']);
    expect(fieldsOf(() => reportQuery('users', { from: '2026-03-02', to: '2026-03-01' }, now))).toEqual([
      'from',
    ]);
    expect(fieldsOf(() => reportQuery('points', { by: 'charity' }, now))).toEqual(['by']);
  });
});
