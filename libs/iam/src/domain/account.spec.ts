import { devLoginEmail, maskPhone } from './account.js';

describe('maskPhone', () => {
  it('keeps the country code and the last four digits of a US number', () => {
    expect(maskPhone('+15551234567')).toBe('+1******4567');
  });
  it('keeps a two-digit country code of a longer number', () => {
    expect(maskPhone('+447911123456')).toBe('+44******3456');
  });
});

describe('devLoginEmail', () => {
  it('turns a bare login into a dev address and keeps an e-mail as it is', () => {
    expect(devLoginEmail('jane')).toBe('jane@dev.heyblue.test');
    expect(devLoginEmail('jane@example.com')).toBe('jane@example.com');
  });
});
