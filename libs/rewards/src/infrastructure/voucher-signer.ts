import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { sign, verify, createPublicKey, type KeyObject, type JsonWebKey } from 'node:crypto';
import type { Env } from '@heyblue/platform';
import { voucherSigningInput } from '../domain/voucher.js';
import { VoucherSignature } from '../application/ports.js';
import { devSigningKey, parsePreviousKeys, parsePrivateKey } from './voucher-keys.js';

export interface PublishedKey {
  kid: string;
  alg: 'EdDSA';
  jwk: JsonWebKey;
}

/** Signs vouchers with the configured Ed25519 key and publishes current + previous public keys. */
@Injectable()
export class VoucherSigner extends VoucherSignature {
  private readonly privateKey: KeyObject;
  readonly kid: string;
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(config: ConfigService<Env, true>) {
    super();
    const raw = config.get('VOUCHER_SIGNING_KEY', { infer: true });
    this.kid = config.get('VOUCHER_SIGNING_KID', { infer: true });
    if (raw) {
      this.privateKey = parsePrivateKey(raw);
    } else {
      if (!config.get('HEYBLUE_DEV_MODE', { infer: true }))
        throw new Error('VOUCHER_SIGNING_KEY is required outside development mode');
      new Logger('VoucherSigner').warn(
        'VOUCHER_SIGNING_KEY is empty: signing vouchers with the public DEVELOPMENT key',
      );
      this.privateKey = devSigningKey();
    }
    this.publicKeys.set(this.kid, createPublicKey(this.privateKey));
    for (const { kid, key } of parsePreviousKeys(
      config.get('VOUCHER_PREVIOUS_PUBLIC_KEYS', { infer: true }),
    )) {
      if (!this.publicKeys.has(kid)) this.publicKeys.set(kid, key);
    }
  }

  /** base64url Ed25519 signature of `<code>|<offerId>|<expiresAt>`. */
  sign(code: string, offerId: string, expiresAt: string): string {
    return sign(
      null,
      Buffer.from(voucherSigningInput(code, offerId, expiresAt), 'utf8'),
      this.privateKey,
    ).toString('base64url');
  }

  verify(kid: string, code: string, offerId: string, expiresAt: string, signature: string): boolean {
    const key = this.publicKeys.get(kid);
    if (!key) return false;
    return verify(
      null,
      Buffer.from(voucherSigningInput(code, offerId, expiresAt), 'utf8'),
      key,
      Buffer.from(signature, 'base64url'),
    );
  }

  /** Current key first, then previous ones. */
  publishedKeys(): PublishedKey[] {
    return [...this.publicKeys].map(([kid, key]) => ({
      kid,
      alg: 'EdDSA' as const,
      jwk: { ...key.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' },
    }));
  }
}
