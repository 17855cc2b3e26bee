import { createHash, createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '@heyblue/platform';

/**
 * Account ids become keyed pseudonyms before they reach a fact: reports can count distinct
 * people without holding an id that joins back to IAM unless one also holds the key.
 */
@Injectable()
export class Pseudonymizer {
  private readonly key: Buffer;

  constructor(config: ConfigService<Env, true>) {
    const configured = config.get('REPORTING_PSEUDONYM_KEY', { infer: true });
    // Outside production a well-known development key is derived (validation requires one in production).
    this.key = configured
      ? Buffer.from(configured, 'base64')
      : createHash('sha256').update('heyblue-dev-reporting-pseudonym').digest();
  }

  subject(accountId: string): string {
    return createHmac('sha256', this.key).update(accountId).digest('base64url').slice(0, 32);
  }
}
