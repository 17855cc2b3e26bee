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
    // Only development mode runs on a well-known key; validation refuses to boot without one otherwise.
    if (!configured && !config.get('HEYBLUE_DEV_MODE', { infer: true }))
      throw new Error('REPORTING_PSEUDONYM_KEY is required outside development mode');
    this.key = configured
      ? Buffer.from(configured, 'base64')
      : createHash('sha256').update('heyblue-dev-reporting-pseudonym').digest();
  }

  subject(accountId: string): string {
    return createHmac('sha256', this.key).update(accountId).digest('base64url').slice(0, 32);
  }
}
