import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RedisService } from '@heyblue/platform';
import type Provider from 'oidc-provider';
import { devLoginEmail } from '../domain/account.js';
import {
  DEV_CLIENT_ID,
  DEV_OIDC_PATH,
  IamConfig,
  MOBILE_REDIRECT_URI,
} from '../infrastructure/iam-config.js';
import { redisOidcAdapter } from './redis-oidc.adapter.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Development mode only: a real OpenID provider (oidc-provider) mounted at /dev/oidc on
 * the Fastify instance. Any login name and password sign in; e-mail `<login>@dev.heyblue.test`.
 */
@Injectable()
export class DevOidcProvider implements OnModuleInit {
  private readonly logger = new Logger('DevOidcProvider');
  private provider?: Promise<Provider>;

  constructor(
    private readonly config: IamConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly redis: RedisService,
  ) {}

  onModuleInit(): void {
    if (!this.config.devMode) return;
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.register !== 'function') return; // CLI context: no HTTP server
    const handle = (req: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      const raw = req.raw as IncomingMessage & { originalUrl?: string };
      // oidc-provider sees paths below its mount point and derives the mount from originalUrl.
      raw.originalUrl = raw.url;
      raw.url = raw.url!.slice(DEV_OIDC_PATH.length) || '/';
      const res = reply.raw as ServerResponse;
      this.instance()
        .then((provider) => provider.callback()(raw, res))
        .catch((err: Error) => {
          this.logger.error(`dev OpenID provider unavailable: ${err.message}`);
          if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/problem+json' });
          res.end(
            JSON.stringify({
              type: 'about:blank',
              title: 'Service Unavailable',
              status: 503,
              code: 'SERVICE_UNAVAILABLE',
              detail: 'The development OpenID provider is unavailable.',
            }),
          );
        });
    };
    void fastify.register(async (scope) => {
      // oidc-provider parses its own (urlencoded/JSON) bodies from the raw stream.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      scope.all(DEV_OIDC_PATH, handle);
      scope.all(`${DEV_OIDC_PATH}/*`, handle);
    });
  }

  /** `<PUBLIC_BASE_URL or the listening address>`. */
  baseUrl(): string {
    return this.config.publicBaseUrl ?? this.internalBase();
  }

  issuer(): string {
    return `${this.baseUrl()}${DEV_OIDC_PATH}`;
  }

  redirectUris(): string[] {
    const admin = `${this.baseUrl()}/admin/callback`;
    const url = new URL(admin);
    // oidc-provider's native clients accept http only on loopback (else claimed https).
    const ok = url.protocol === 'https:' || LOOPBACK.has(url.hostname);
    return ok ? [MOBILE_REDIRECT_URI, admin] : [MOBILE_REDIRECT_URI];
  }

  /** The server talks to its own provider over loopback even when the issuer is a public URL. */
  internalFetch(): (url: string, options: RequestInit) => Promise<Response> {
    return (url, options) => {
      const issuer = this.issuer();
      if (!url.startsWith(issuer)) return fetch(url, options);
      // The provider builds its endpoint URLs from the forwarded host, so discovery
      // advertises the public address that browsers use.
      const publicUrl = new URL(this.baseUrl());
      const headers = new Headers(options.headers);
      headers.set('x-forwarded-host', publicUrl.host);
      headers.set('x-forwarded-proto', publicUrl.protocol.replace(':', ''));
      return fetch(`${this.internalBase()}${DEV_OIDC_PATH}${url.slice(issuer.length)}`, {
        ...options,
        headers,
      });
    };
  }

  private internalBase(): string {
    const server = this.adapterHost.httpAdapter?.getHttpServer?.();
    const address = server?.address?.() as AddressInfo | string | null | undefined;
    if (!address || typeof address === 'string')
      throw new Error('the dev OpenID provider needs the HTTP server to be listening');
    return `http://127.0.0.1:${address.port}`;
  }

  private instance(): Promise<Provider> {
    if (!this.provider) {
      this.provider = this.create();
      this.provider.catch(() => (this.provider = undefined));
    }
    return this.provider;
  }

  /** A value shared by every instance through Redis (first writer wins). */
  private async shared(name: string, make: () => string): Promise<string> {
    const key = this.redis.key('iam', 'dev-oidc', 'secret', name);
    await this.redis.client.set(key, make(), 'NX');
    const value = await this.redis.client.get(key);
    if (!value) throw new Error(`could not read ${name} from Redis`);
    return value;
  }

  private async create(): Promise<Provider> {
    // Signing key, cookie key and storage live in Redis so every instance serves the same provider.
    const jwk = JSON.parse(
      await this.shared('jwk', () =>
        JSON.stringify({
          ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
          kid: 'dev-1',
          use: 'sig',
          alg: 'RS256',
        }),
      ),
    ) as Record<string, unknown>;
    const cookieKey = await this.shared('cookie-key', () => randomBytes(32).toString('base64url'));
    // Loaded only in development mode: production never imports the dev provider.
    const { default: OidcProvider } = await import('oidc-provider');
    const provider = new OidcProvider(this.issuer(), {
      adapter: redisOidcAdapter(this.redis.client, (...parts) => this.redis.key(...parts)),
      clients: [
        {
          client_id: DEV_CLIENT_ID,
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: this.redirectUris(),
        },
      ],
      jwks: { keys: [jwk as never] },
      cookies: { keys: [cookieKey] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      // The dev provider puts the scope's claims in the ID token (as Google does).
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      ttl: {
        AuthorizationCode: 60,
        AccessToken: 600,
        IdToken: 600,
        Interaction: 600,
        Session: 3_600,
        Grant: 3_600,
      },
      features: { devInteractions: { enabled: true } },
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({
          sub,
          email: devLoginEmail(sub),
          email_verified: true,
          name: sub.includes('@') ? sub.split('@')[0]! : sub,
        }),
      }),
    });
    provider.proxy = true;
    provider.on('server_error', (_ctx, err: Error) =>
      this.logger.error(`dev OIDC server error: ${err.message}`),
    );
    return provider;
  }
}
