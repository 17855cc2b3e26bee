import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACT_PATHS, registerRequestLogging } from './logging.js';

function capture(): { logger: pino.Logger; lines: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return {
    logger: pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream),
    lines: () => out,
  };
}

describe('log redaction', () => {
  it('never writes credentials or personal data', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: {
          headers: {
            authorization: 'Bearer secret-access-token',
            cookie: 'sid=abc',
            'x-retailer-key': 'rk_live_123',
          },
        },
        body: {
          refreshToken: 'refresh-secret',
          phone: '+15551234567',
          email: 'ada@example.com',
          code: '123456',
          lat: 40.7,
          lng: -74,
        },
        session: { accessToken: 'another-secret' },
      },
      'request',
    );
    const text = lines();
    for (const secret of [
      'secret-access-token',
      'sid=abc',
      'rk_live_123',
      'refresh-secret',
      '+15551234567',
      'ada@example.com',
      '123456',
      '40.7',
      'another-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
    expect(JSON.parse(text).msg).toBe('request');
  });
});

describe('access log hook', () => {
  function hooksAt(level: string): string[] {
    const hooks: string[] = [];
    registerRequestLogging({ addHook: (name) => hooks.push(name) }, level);
    return hooks;
  }

  it('hooks every request at info and below, where access lines are written', () => {
    expect(hooksAt('info')).toEqual(['onRequest']);
    expect(hooksAt('debug')).toEqual(['onRequest']);
  });

  it('hooks nothing at warn and above (no line would be written; 5xx come from the problem filter)', () => {
    for (const level of ['warn', 'error', 'fatal', 'silent'])
      expect({ level, hooks: hooksAt(level) }).toEqual({ level, hooks: [] });
  });
});
