import { DomainError } from '@heyblue/platform';
import { voucherMustBeUnused } from './voucher-must-be-unused.rule.js';

describe('a voucher must be unused', () => {
  it('lets an issued voucher be used', () => {
    expect(() => voucherMustBeUnused('issued')).not.toThrow();
  });

  it('refuses a used voucher with 409 VOUCHER_USED', () => {
    expect(() => voucherMustBeUnused('used')).toThrow(
      expect.objectContaining({ code: 'VOUCHER_USED', status: 409 }) as DomainError,
    );
  });

  it('refuses an expired voucher with 422 VOUCHER_EXPIRED', () => {
    expect(() => voucherMustBeUnused('expired')).toThrow(
      expect.objectContaining({ code: 'VOUCHER_EXPIRED', status: 422 }) as DomainError,
    );
  });
});
