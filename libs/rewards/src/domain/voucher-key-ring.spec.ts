import {
  newKid,
  publishedKeys,
  requestedRotation,
  rotationDue,
  signingKey,
  type RingKey,
} from './voucher-key-ring.js';

const DAY = 86_400_000;
const now = new Date('2026-12-07T12:00:00.000Z');
const at = (msFromNow: number) => new Date(now.getTime() + msFromNow);
const key = (kid: string, signsFrom: Date, over: Partial<RingKey> = {}): RingKey => ({
  kid,
  createdAt: signsFrom,
  signsFrom,
  usable: true,
  hasLiveVouchers: false,
  ...over,
});
const policy = { rotationDays: 30, refreshS: 60 };

describe('voucher key ring', () => {
  it('signs with the newest key whose time has come, not with one still waiting', () => {
    const ring = [key('old', at(-40 * DAY)), key('current', at(-10 * DAY)), key('next', at(30_000))];
    expect(signingKey(ring, now)?.kid).toBe('current');
    expect(signingKey(ring, at(30_000))?.kid).toBe('next');
  });

  it('never signs with a key it cannot decrypt', () => {
    const ring = [key('old', at(-40 * DAY)), key('unreadable', at(-DAY), { usable: false })];
    expect(signingKey(ring, now)?.kid).toBe('old');
  });

  it('publishes the signing key first, then the waiting key, then retired keys with live vouchers only', () => {
    const ring = [
      key('expired-vouchers', at(-90 * DAY)),
      key('live-vouchers', at(-40 * DAY), { hasLiveVouchers: true }),
      key('current', at(-10 * DAY), { hasLiveVouchers: true }),
      key('next', at(30_000)),
    ];
    expect(publishedKeys(ring, now).map((k) => k.kid)).toEqual(['current', 'next', 'live-vouchers']);
  });

  it('publishes a new key before it signs: after the switch the previous key stays while its vouchers live', () => {
    const ring = [key('k1', at(-DAY), { hasLiveVouchers: true }), key('k2', at(60_000))];
    expect(publishedKeys(ring, now).map((k) => k.kid)).toEqual(['k1', 'k2']);
    expect(publishedKeys(ring, at(60_000)).map((k) => k.kid)).toEqual(['k2', 'k1']);
    expect(
      publishedKeys([{ ...ring[0]!, hasLiveVouchers: false }, ring[1]!], at(60_000)).map((k) => k.kid),
    ).toEqual(['k2']);
  });

  it('makes the first key at once', () => {
    expect(rotationDue([], now, policy)).toEqual({ due: true, signsFrom: now, reason: 'first key' });
  });

  it('replaces a key older than the rotation period, one refresh interval ahead', () => {
    expect(rotationDue([key('young', at(-29 * DAY))], now, policy)).toEqual({ due: false });
    expect(rotationDue([key('old', at(-30 * DAY))], now, policy)).toEqual({
      due: true,
      signsFrom: at(60_000),
      reason: 'key too old',
    });
  });

  it('makes nothing while a newer key waits for its turn', () => {
    expect(rotationDue([key('old', at(-31 * DAY)), key('next', at(1_000))], now, policy)).toEqual({
      due: false,
    });
  });

  it('replaces at once when no key can be decrypted (the key-encryption key changed)', () => {
    expect(rotationDue([key('unreadable', at(-DAY), { usable: false })], now, policy)).toEqual({
      due: true,
      signsFrom: now,
      reason: 'no usable key',
    });
  });

  it('an operator rotation waits one refresh interval, unless nothing can sign', () => {
    expect(requestedRotation([key('current', at(-DAY))], now, 5).signsFrom).toEqual(at(5_000));
    expect(requestedRotation([], now, 5).signsFrom).toEqual(now);
  });

  it('names keys by day with a random part', () => {
    expect(newKid(now, 'a1b2c3')).toBe('vk-20261207-a1b2c3');
  });
});
