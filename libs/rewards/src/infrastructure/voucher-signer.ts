import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { PrismaService, type Env } from '@heyblue/platform';
import { voucherSigningInput } from '../domain/voucher.js';
import {
  newKid,
  publishedKeys,
  requestedRotation,
  rotationDue,
  signingKey,
  type RingKey,
  type RotationDue,
} from '../domain/voucher-key-ring.js';
import { VoucherSignature, type SignedVoucher } from '../application/ports.js';
import {
  decodeKek,
  devKeyEncryptionKey,
  newSigningKey,
  openPrivateKey,
  publicKeyOf,
  sealPrivateKey,
} from './voucher-keys.js';

export interface PublishedKey {
  kid: string;
  alg: 'EdDSA';
  jwk: JsonWebKey;
}

interface LoadedKey extends RingKey {
  publicKey: KeyObject;
  publicJwk: JsonWebKey;
  privateKey?: KeyObject;
}

interface KeyRow {
  kid: string;
  public_jwk: JsonWebKey;
  private_key_cipher: string;
  created_at: Date;
  signs_from: Date;
  live: boolean;
}

/** Serialises key creation across instances (pg_advisory_xact_lock's key). */
const RING_LOCK = 0x76_6b_72_67; // "vkrg"

/**
 * The voucher signing key ring, shared by every instance through PostgreSQL. Each instance
 * reloads it every VOUCHER_KEY_RING_REFRESH_S (making a new key when one is due) and signs with
 * the key the ring's rules name for the current moment, so instances agree without messages.
 */
@Injectable()
export class VoucherSigner extends VoucherSignature implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('VoucherKeyRing');
  private readonly kek: Buffer;
  private readonly rotationDays: number;
  private readonly refreshS: number;
  private keys: LoadedKey[] = [];
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;

  constructor(
    private readonly prisma: PrismaService,
    config: ConfigService<Env, true>,
  ) {
    super();
    const kek = config.get('VOUCHER_KEY_ENCRYPTION_KEY', { infer: true });
    if (!kek && !config.get('HEYBLUE_DEV_MODE', { infer: true }))
      throw new Error('VOUCHER_KEY_ENCRYPTION_KEY is required outside development mode');
    this.kek = kek ? decodeKek(kek) : devKeyEncryptionKey();
    this.rotationDays = config.get('VOUCHER_KEY_ROTATION_DAYS', { infer: true });
    this.refreshS = config.get('VOUCHER_KEY_RING_REFRESH_S', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((err: Error) =>
        this.logger.warn(`voucher key ring reload failed (keeping the keys loaded): ${err.message}`),
      );
    }, this.refreshS * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** base64url Ed25519 signature of `<code>|<offerId>|<expiresAt>` with the ring's current key. */
  sign(code: string, offerId: string, expiresAt: string): SignedVoucher {
    const key = signingKey(this.keys, new Date());
    if (!key?.privateKey) throw new Error('no voucher signing key is loaded');
    const signature = sign(
      null,
      Buffer.from(voucherSigningInput(code, offerId, expiresAt), 'utf8'),
      key.privateKey,
    ).toString('base64url');
    return { kid: key.kid, signature };
  }

  /** Checks a signature against any key still in the ring (published or not). */
  verify(kid: string, code: string, offerId: string, expiresAt: string, signature: string): boolean {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) return false;
    return verify(
      null,
      Buffer.from(voucherSigningInput(code, offerId, expiresAt), 'utf8'),
      key.publicKey,
      Buffer.from(signature, 'base64url'),
    );
  }

  /** The signing key first, then the key about to sign, then retired keys whose vouchers are still valid. */
  publishedKeys(): PublishedKey[] {
    return publishedKeys(this.keys, new Date()).map((k) => ({
      kid: k.kid,
      alg: 'EdDSA' as const,
      jwk: { ...k.publicJwk, kid: k.kid, alg: 'EdDSA', use: 'sig' },
    }));
  }

  /** Makes a new key now (the operator's `vouchers:rotate-key`): it signs one refresh interval later. */
  async rotateNow(): Promise<{ kid: string; signsFrom: Date }> {
    const made = await this.withRingLock((rows, now) => requestedRotation(rows, now, this.refreshS));
    await this.reload();
    return made!;
  }

  /** Reads the ring (making a key when one is due); concurrent callers share one read. */
  reload(): Promise<void> {
    this.reloading ??= this.doReload().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async doReload(): Promise<void> {
    let loaded = await this.load(this.prisma);
    const policy = { rotationDays: this.rotationDays, refreshS: this.refreshS };
    if (rotationDue(loaded.keys, loaded.now, policy).due) {
      await this.withRingLock((rows, now) => rotationDue(rows, now, policy));
      loaded = await this.load(this.prisma);
    }
    this.keys = loaded.keys;
  }

  /** Under the ring's lock, re-reads the ring and makes the key `decide` asks for, if any. */
  private async withRingLock(
    decide: (keys: RingKey[], now: Date) => RotationDue,
  ): Promise<{ kid: string; signsFrom: Date } | undefined> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RING_LOCK}::bigint)`;
      const { keys, now } = await this.load(tx as unknown as PrismaService);
      const verdict = decide(keys, now);
      if (!verdict.due) return undefined;
      const kid = newKid(now, randomBytes(4).toString('hex'));
      const { privateKey, publicJwk } = newSigningKey();
      await tx.rewardsVoucherKey.create({
        data: {
          kid,
          publicJwk: publicJwk as object,
          privateKeyCipher: sealPrivateKey(this.kek, kid, privateKey),
          createdAt: now,
          signsFrom: verdict.signsFrom,
        },
      });
      this.logger.log(
        `voucher signing key ${kid} made (${verdict.reason}); it signs from ${verdict.signsFrom.toISOString()}`,
      );
      return { kid, signsFrom: verdict.signsFrom };
    });
  }

  private async load(db: Pick<PrismaService, '$queryRaw'>): Promise<{ keys: LoadedKey[]; now: Date }> {
    // The database's clock, so that every instance judges "now" alike.
    const [ring] = await db.$queryRaw<
      Array<{
        now: Date;
        keys: Array<Omit<KeyRow, 'created_at' | 'signs_from'> & { created_at: string; signs_from: string }>;
      }>
    >`
      SELECT now() AS now, COALESCE((
        SELECT json_agg(json_build_object(
          'kid', k.kid, 'public_jwk', k.public_jwk, 'private_key_cipher', k.private_key_cipher,
          'created_at', k.created_at, 'signs_from', k.signs_from,
          'live', EXISTS (SELECT 1 FROM rewards_voucher v WHERE v.kid = k.kid AND v.expires_at > now())))
        FROM rewards_voucher_key k), '[]'::json) AS keys`;
    const now = new Date(ring!.now);
    const rows: KeyRow[] = ring!.keys.map((r) => ({
      ...r,
      created_at: new Date(r.created_at),
      signs_from: new Date(r.signs_from),
    }));
    const keys = rows
      .filter((r) => r.kid !== null)
      .map((r) => {
        const known = this.keys.find((k) => k.kid === r.kid);
        let privateKey = known?.privateKey;
        if (!privateKey) {
          try {
            privateKey = openPrivateKey(this.kek, r.kid, r.private_key_cipher);
          } catch {
            privateKey = undefined;
          }
        }
        return {
          kid: r.kid,
          createdAt: r.created_at,
          signsFrom: r.signs_from,
          usable: privateKey !== undefined,
          hasLiveVouchers: r.live,
          publicJwk: r.public_jwk,
          publicKey: known?.publicKey ?? publicKeyOf(r.public_jwk),
          privateKey,
        };
      });
    return { keys, now };
  }
}
