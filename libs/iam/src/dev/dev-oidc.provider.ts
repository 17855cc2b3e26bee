import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { devLoginEmail } from '../domain/account.js';
import { DEV_CLIENT_ID, DEV_OIDC_PATH, IamConfig, MOBILE_REDIRECT_URI } from '../infrastructure/iam-config.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Development mode only: a real OpenID provider (oidc-provider) mounted at /dev/oidc on
 * the Fastify instance. Any login name and password sign in; e-mail `<login>@dev.heyblue.test`.
 */
@Injectable()
export class DevOidcProvider implements OnModuleInit {
  private readonly logger = new Logger('DevOidcProvider');
  private provider?: Provider;

  constructor(
    private readonly config: IamConfig,
    private readonly adapterHost: HttpAdapterHost,
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
      void this.callback()(raw, reply.raw as ServerResponse);
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
      const target = url.startsWith(issuer) ? `${this.internalBase()}${DEV_OIDC_PATH}${url.slice(issuer.length)}` : url;
      return fetch(target, options);
    };
  }

  private internalBase(): string {
    const server = this.adapterHost.httpAdapter?.getHttpServer?.();
    const address = server?.address?.() as AddressInfo | string | null | undefined;
    if (!address || typeof address === 'string') throw new Error('the dev OpenID provider needs the HTTP server to be listening');
    return `http://127.0.0.1:${address.port}`;
  }

  private callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    if (!this.provider) this.provider = this.create();
    return this.provider.callback() as unknown as (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  }

  private create(): Provider {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'dev-1', use: 'sig', alg: 'RS256' };
    const provider = new Provider(this.issuer(), {
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
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      // The dev provider puts the scope's claims in the ID token (as Google does).
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3_600, Grant: 3_600 },
      features: { devInteractions: { enabled: true } },
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, email: devLoginEmail(sub), email_verified: true, name: sub.includes('@') ? sub.split('@')[0]! : sub }),
      }),
    });
    provider.proxy = true;
    provider.on('server_error', (_ctx, err: Error) => this.logger.error(`dev OIDC server error: ${err.message}`));
    return provider;
  }
}
