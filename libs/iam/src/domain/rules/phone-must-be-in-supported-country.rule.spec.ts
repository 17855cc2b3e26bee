import { phoneMustBeInSupportedCountry } from './phone-must-be-in-supported-country.rule.js';

describe('phoneMustBeInSupportedCountry', () => {
  const refused = expect.objectContaining({ code: 'PHONE_COUNTRY_NOT_SUPPORTED', status: 422 });

  it('accepts a US number under the default list', () => {
    expect(phoneMustBeInSupportedCountry('+12125550123', ['US'])).toBe('US');
  });

  it('counts a +1 number no plan recognises (the 555 test range) for the US', () => {
    expect(phoneMustBeInSupportedCountry('+15551234567', ['US'])).toBe('US');
  });

  it.each([
    ['a UK mobile', '+447911123456'],
    ['a Canadian number (same +1 calling code, another country)', '+14165550123'],
    ['a premium-rate Caribbean number', '+18092345678'],
    ['a number too short for its plan', '+1212555'],
  ])('refuses %s when only the US is configured', (_name, phone) => {
    expect(() => phoneMustBeInSupportedCountry(phone, ['US'])).toThrow(refused);
  });

  it('accepts another country once it is configured', () => {
    expect(phoneMustBeInSupportedCountry('+14165550123', ['US', 'CA'])).toBe('CA');
  });
});
