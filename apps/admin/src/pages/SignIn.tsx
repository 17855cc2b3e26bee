import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, type Session } from '../api';
import { navigate } from '../router';
import { ErrorBox, useApi, useLoad } from '../ui';

const PENDING = 'heyblue.admin.oidc';

/** What this tab keeps between start and callback: the state to expect and the PKCE verifier (never sent until the callback). */
interface PendingSignIn {
  state: string;
  codeVerifier: string;
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/**
 * RFC 7636 PKCE made here, with Web Crypto: 32 random bytes as the verifier (43 characters),
 * its SHA-256 as the S256 challenge. Only the challenge goes to the API before the callback,
 * so a code intercepted on the way back is useless without this tab.
 */
async function pkcePair(): Promise<{ codeVerifier: string; codeChallenge: string }> {
  const codeVerifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return { codeVerifier, codeChallenge: base64url(new Uint8Array(digest)) };
}

interface CallbackAnswer {
  status: 'active' | 'phone_required';
  session?: Session;
  registrationToken?: string;
}

/** One id per browser, named in the session list (GET /me/sessions); a browser is never the phone's device. */
function deviceId(): string {
  const key = 'heyblue.admin.device';
  let id = localStorage.getItem(key);
  if (!id) {
    id = `admin-web-${crypto.randomUUID()}`;
    localStorage.setItem(key, id);
  }
  return id;
}

let callbackStarted = false;

function readPending(): PendingSignIn | null {
  try {
    const p = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as Partial<PendingSignIn> | null;
    return p && typeof p.state === 'string' && typeof p.codeVerifier === 'string'
      ? { state: p.state, codeVerifier: p.codeVerifier }
      : null;
  } catch {
    return null;
  }
}

export const redirectUri = () => `${location.origin}/admin/callback`;

/** The sign-in page: providers from the API, then off to the provider. */
export function SignIn({ refusal }: { refusal?: string | null }) {
  const api = useApi();
  const providers = useLoad(
    () => api.json<Array<{ id: string; name: string }>>('GET', '/auth/providers', undefined, { auth: false }),
    [],
  );
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const start = async (provider: string) => {
    setBusy(true);
    setError(null);
    try {
      const { codeVerifier, codeChallenge } = await pkcePair();
      const r = await api.json<{ authorizationUrl: string; state: string }>(
        'POST',
        '/auth/oidc/start',
        { provider, redirectUri: redirectUri(), codeChallenge, codeChallengeMethod: 'S256' },
        { auth: false },
      );
      sessionStorage.setItem(
        PENDING,
        JSON.stringify({ state: r.state, codeVerifier } satisfies PendingSignIn),
      );
      location.assign(r.authorizationUrl);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <h1>Hey Blue! admin</h1>
      <p>Sign in with your staff account. Only administrators can use this dashboard.</p>
      {refusal && (
        <div className="error" role="alert" data-testid="refusal">
          <strong>Access refused</strong> — {refusal}
        </div>
      )}
      <ErrorBox error={error ?? providers.error} />
      <div className="providers">
        {providers.data?.map((p) => (
          <button key={p.id} type="button" disabled={busy} onClick={() => void start(p.id)}>
            Sign in with {p.name}
          </button>
        ))}
        {providers.data?.length === 0 && (
          <p className="empty">No sign-in provider is configured on this server.</p>
        )}
      </div>
    </main>
  );
}

/**
 * /admin/callback: finishes the provider round trip with this tab's PKCE verifier, then asks
 * for the phone number and the SMS code (every dashboard sign-in steps up with an OTP to the
 * account's phone). Only an admin session is kept; anyone else is signed out again.
 */
export function Callback({ onRefused }: { onRefused: (message: string) => void }) {
  const api = useApi();
  const [error, setError] = useState<unknown>(null);
  const [registrationToken, setRegistrationToken] = useState<string | null>(null);
  const [phone, setPhone] = useState('');
  const [codeSent, setCodeSent] = useState(false);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);

  const accept = async (session: Session) => {
    if (session.account.role !== 'admin') {
      api.setSession(session);
      await api.logout();
      onRefused(
        `this dashboard is for Hey Blue! administrators; your account has the role “${session.account.role}”.`,
      );
      navigate('/', true);
      return;
    }
    api.setSession(session);
    navigate('/uploads', true);
  };

  useEffect(() => {
    // React's StrictMode (development) runs effects twice; the code can be exchanged only once.
    if (callbackStarted) return;
    callbackStarted = true;
    const params = new URLSearchParams(location.search);
    const state = params.get('state');
    const codeParam = params.get('code');
    const pending = readPending();
    sessionStorage.removeItem(PENDING);
    if (params.get('error')) {
      setError(
        new ApiError(
          400,
          'Sign-in cancelled',
          params.get('error_description') ?? params.get('error') ?? '',
          'OIDC_ERROR',
        ),
      );
      return;
    }
    if (!state || !codeParam || !pending || state !== pending.state) {
      setError(
        new ApiError(
          400,
          'Sign-in expired',
          'This sign-in link is not valid any more. Start again.',
          'INVALID_STATE',
        ),
      );
      return;
    }
    history.replaceState(null, '', '/admin/callback');
    api
      .json<CallbackAnswer>(
        'POST',
        '/auth/oidc/callback',
        { state, code: codeParam, codeVerifier: pending.codeVerifier, deviceId: deviceId() },
        { auth: false },
      )
      .then((r) => {
        if (r.status === 'active' && r.session) return accept(r.session);
        setRegistrationToken(r.registrationToken ?? null);
      }, setError);
  }, []);

  const sendCode = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.json('POST', '/auth/phone/start', { registrationToken, phone }, { auth: false });
      setCodeSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const verify = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.json<{ session: Session }>(
        'POST',
        '/auth/phone/verify',
        { registrationToken, phone, code, deviceId: deviceId() },
        { auth: false },
      );
      await accept(r.session);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <h1>Signing in</h1>
      <ErrorBox error={error} />
      {error !== null && !registrationToken && (
        <button type="button" onClick={() => navigate('/', true)}>
          Back to sign-in
        </button>
      )}
      {!error && !registrationToken && <p aria-live="polite">Checking your sign-in…</p>}
      {registrationToken && !codeSent && (
        <form onSubmit={(e) => void sendCode(e)}>
          <p>
            Confirm your mobile number with a code by SMS (asked at every dashboard sign-in; after the first,
            only the number on your account works).
          </p>
          <label htmlFor="phone">Mobile number (E.164, e.g. +15551234567)</label>
          <input
            id="phone"
            name="phone"
            type="tel"
            autoComplete="tel"
            required
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
          />
          <button type="submit" disabled={busy}>
            Send code
          </button>
        </form>
      )}
      {registrationToken && codeSent && (
        <form onSubmit={(e) => void verify(e)}>
          <p>We sent a code to {phone}.</p>
          <label htmlFor="otp">Code</label>
          <input
            id="otp"
            name="otp"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit" disabled={busy}>
            Verify
          </button>
        </form>
      )}
    </main>
  );
}
