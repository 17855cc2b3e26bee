import { createHash, createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TokenBehaviour =
  | 'ok'
  | 'wrong-nonce'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'bad-signature'
  | 'expired'
  | 'invalid_grant'
  | 'unavailable'
  | 'no-email';

export interface IssuedCode {
  nonce: string;
  sub: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
}

const b64u = (v: object | Buffer) =>
  (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');

function sign(payload: object, key: KeyObject, kid: string): string {
  const input = `${b64u({ alg: 'RS256', typ: 'JWT', kid })}.${b64u(payload)}`;
  const sig = createSign('RSA-SHA256').update(input).sign(key);
  return `${input}.${b64u(sig)}`;
}

/**
 * A scriptable OpenID provider for the unhappy paths a well-behaved provider never takes:
 * ID tokens with a wrong nonce, audience, issuer, signature or expiry, refused codes, outages.
 * Discovery, JWKS and the token endpoint are real HTTP; codes are minted by the test.
 */
export class FakeOidcProvider {
  behaviour: TokenBehaviour = 'ok';
  readonly tokenRequests: Array<Record<string, string>> = [];
  private readonly codes = new Map<string, IssuedCode>();
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private server?: Server;
  url = '';

  constructor(readonly clientId: string) {}

  async start(): Promise<void> {
    this.server = createServer(
      (req, res) =>
        void this.handle(req).then(({ status, body }) => {
          res.writeHead(status, {
            'content-type': typeof body === 'string' ? 'text/html' : 'application/json',
            'cache-control': 'no-store',
          });
          res.end(typeof body === 'string' ? body : JSON.stringify(body));
        }),
    );
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server?.close(() => r()) ?? r());
  }

  /** What the provider would redirect back with after a successful login. */
  issueCode(c: IssuedCode): string {
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, c);
    return code;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = new URL(req.url!, this.url).pathname;
    if (path === '/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: this.url,
          authorization_endpoint: `${this.url}/authorize`,
          token_endpoint: `${this.url}/token`,
          jwks_uri: `${this.url}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_post'],
        },
      };
    }
    if (path === '/jwks') {
      return {
        status: 200,
        body: {
          keys: [{ ...this.key.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }],
        },
      };
    }
    if (path === '/token' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      this.tokenRequests.push(form);
      if (this.behaviour === 'unavailable') return { status: 503, body: '<html>down</html>' };
      const issued = this.codes.get(form.code ?? '');
      this.codes.delete(form.code ?? '');
      if (!issued || this.behaviour === 'invalid_grant')
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: 'grant request is invalid' },
        };
      const now = Math.floor(Date.now() / 1000);
      const b = this.behaviour;
      const claims: Record<string, unknown> = {
        iss: b === 'wrong-issuer' ? 'https://evil.example' : this.url,
        aud: b === 'wrong-audience' ? 'someone-else' : this.clientId,
        sub: issued.sub,
        nonce: b === 'wrong-nonce' ? 'not-the-nonce' : issued.nonce,
        iat: b === 'expired' ? now - 7200 : now,
        exp: b === 'expired' ? now - 3600 : now + 300,
        ...(b === 'no-email' ? {} : { email: issued.email, email_verified: issued.emailVerified ?? true }),
        ...(issued.name ? { name: issued.name } : {}),
      };
      const idToken = sign(
        claims,
        b === 'bad-signature' ? this.otherKey.privateKey : this.key.privateKey,
        'k1',
      );
      return {
        status: 200,
        body: {
          access_token: randomBytes(16).toString('hex'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        },
      };
    }
    return { status: 404, body: { error: 'not_found' } };
  }
}

/** The S256 PKCE challenge of a verifier. */
export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** Starts a fake provider and the `OIDC_PROVIDERS` value that configures it as provider `acme`. */
export async function startAcme(redirectUri: string): Promise<{ fake: FakeOidcProvider; providers: string }> {
  const fake = new FakeOidcProvider('heyblue-client');
  await fake.start();
  const providers = JSON.stringify([
    {
      id: 'acme',
      name: 'Acme ID',
      issuer: fake.url,
      clientId: 'heyblue-client',
      clientSecret: 'acme-secret',
      redirectUris: [redirectUri],
    },
  ]);
  return { fake, providers };
}
