import { boundedStatementNames } from './statement-names.js';

describe('boundedStatementNames', () => {
  it('gives one stable name per SQL text, different texts different names', () => {
    const name = boundedStatementNames(10);
    const a = name({ sql: 'SELECT 1' });
    expect(a).toMatch(/^hb_[\w-]+$/);
    expect(name({ sql: 'SELECT 1' })).toBe(a);
    expect(name({ sql: 'SELECT 2' })).not.toBe(a);
  });

  it('names only the first `limit` texts; later ones run unnamed, known ones keep their name', () => {
    const name = boundedStatementNames(2);
    const first = name({ sql: 'SELECT 1' });
    expect(name({ sql: 'SELECT 2' })).not.toBe('');
    expect(name({ sql: 'SELECT 3' })).toBe('');
    expect(name({ sql: 'SELECT 1' })).toBe(first);
  });

  it('names nothing with limit 0', () => {
    expect(boundedStatementNames(0)({ sql: 'SELECT 1' })).toBe('');
  });
});
