import { createRequire } from 'node:module';
import { pgArray } from './array-literal.js';

/** node-postgres's own parameter serialisation (not in its typings). */
const utils = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(value: unknown): unknown };

describe('pgArray', () => {
  it('quotes every element and writes NULL for null and undefined', () => {
    expect(pgArray(['a', null, 'b c', undefined, ''])).toBe('{"a",NULL,"b c",NULL,""}');
  });

  it('escapes backslashes and double quotes only', () => {
    expect(pgArray(['say "hi"', 'C:\\dir', "it's", '{x,y}'])).toBe(
      '{"say \\"hi\\"","C:\\\\dir","it\'s","{x,y}"}',
    );
  });

  it('writes numbers and booleans as text', () => {
    expect(pgArray([1, -2, 3.5, true])).toBe('{"1","-2","3.5","true"}');
  });

  it('gives the empty array for no values', () => {
    expect(pgArray([])).toBe('{}');
  });

  it('gives the literal node-postgres builds from the same array', () => {
    const values = [
      'plain',
      'with "quotes"',
      'back\\slash',
      null,
      'NULL',
      ' spaced ',
      'ünïcødé',
      'a,b',
      '',
      42,
    ];
    expect(pgArray(values)).toBe(utils.prepareValue(values));
  });
});
