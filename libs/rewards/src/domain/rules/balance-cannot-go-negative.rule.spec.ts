import { DomainError } from '@heyblue/platform';
import { balanceCannotGoNegative } from './balance-cannot-go-negative.rule.js';

describe('balance cannot go negative', () => {
  it('adds a credit to the balance', () => {
    expect(balanceCannotGoNegative(40, 10)).toBe(50);
  });

  it('subtracts a debit that the balance covers', () => {
    expect(balanceCannotGoNegative(50, -30)).toBe(20);
  });

  it('allows a debit of exactly the whole balance', () => {
    expect(balanceCannotGoNegative(50, -50)).toBe(0);
  });

  it('refuses a debit one point above the balance with INSUFFICIENT_POINTS', () => {
    expect(() => balanceCannotGoNegative(50, -51)).toThrow(
      expect.objectContaining({ code: 'INSUFFICIENT_POINTS', status: 422 }) as DomainError,
    );
  });

  it('refuses any debit from an empty balance', () => {
    expect(() => balanceCannotGoNegative(0, -1)).toThrow(
      expect.objectContaining({ code: 'INSUFFICIENT_POINTS' }) as DomainError,
    );
  });
});
