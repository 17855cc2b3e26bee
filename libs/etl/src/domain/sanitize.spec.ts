import { cleanEmail, cleanText, isEmailAddress, toE164 } from './sanitize.js';

describe('ETL sanitisation', () => {
  it('neutralises a spreadsheet formula trigger in free text', () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)']) expect(cleanText(s)).toBe(`'${s}`);
    expect(cleanText('<b>=HYPERLINK("x")</b>')).toBe(`'=HYPERLINK("x")`);
    expect(cleanText('plain')).toBe('plain');
  });

  it('strips HTML, control characters and extra whitespace from text', () => {
    expect(cleanText('  <script>x</script><b>Corner</b>\u0007  Deli&nbsp;&amp; Co \u200B')).toBe(
      'x Corner Deli & Co',
    );
  });

  it('neutralises a formula that appears once tags are stripped', () => {
    expect(cleanText('<i></i>=cmd|calc')).toBe("'=cmd|calc");
  });

  it('lower-cases and trims e-mails', () => {
    expect(cleanEmail('  Ann.Lee@PD.Example.GOV ')).toBe('ann.lee@pd.example.gov');
  });

  it('normalises US phone numbers to E.164 and refuses junk', () => {
    expect(toE164('(212) 555-0123')).toBe('+12125550123');
    expect(toE164('1 212 555 0123')).toBe('+12125550123');
    expect(toE164('+44 20 7946 0958')).toBe('+442079460958');
    expect(toE164('12345')).toBeNull();
    // 555 is not an area code: possible by length, not a valid number.
    expect(toE164('(555) 123-4567')).toBeNull();
    expect(toE164('+1 555 123 4567')).toBeNull();
  });

  it('tells e-mail addresses by class-validator isEmail', () => {
    expect(['a@a.example', 'x@dev.heyblue.test'].map(isEmailAddress)).toEqual([true, true]);
    expect(
      ['bad@', 'a b@c.de', 'o"x@y.com', '@x.com', `${'a'.repeat(250)}@x.com`].map(isEmailAddress),
    ).toEqual([false, false, false, false, false]);
  });
});
