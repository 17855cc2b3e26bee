/** The API's session as /auth/oidc/callback, /auth/phone/verify and /auth/refresh answer it. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  account: { id: string; role: string };
}

/** An RFC 9457 problem answered by the API (or made up for a network failure). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly code: string,
    readonly errors: Array<{ field: string; message: string }> = [],
    /** The problem's other members (e.g. `balance` of INSUFFICIENT_POINTS). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail || title);
  }
}

export interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ClientDeps {
  fetch: typeof fetch;
  /** sessionStorage in the browser: the session survives a reload of the tab, not the tab. */
  storage: Storage;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

const KEY = 'heyblue.admin.session';
/** Refresh this long before the access token expires, so calls never race the expiry. */
const REFRESH_EARLY_MS = 60_000;

/**
 * Calls the API with the admin's bearer token, refreshes it silently (on a timer before it
 * expires and once on a 401), and forgets the session on logout or when the refresh is refused.
 */
export class ApiClient {
  private session: Session | null;
  private refreshing: Promise<Session | null> | null = null;
  private timer: unknown;
  private readonly listeners = new Set<(s: Session | null) => void>();

  constructor(
    private readonly deps: ClientDeps,
    readonly base = '/api/v1',
  ) {
    this.session = readSession(deps.storage);
    this.schedule();
  }

  get current(): Session | null {
    return this.session;
  }

  onChange(listener: (s: Session | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setSession(session: Session | null): void {
    this.session = session;
    if (session) this.deps.storage.setItem(KEY, JSON.stringify(session));
    else this.deps.storage.removeItem(KEY);
    this.schedule();
    for (const l of this.listeners) l(session);
  }

  /**
   * JSON request; `auth: false` for the sign-in endpoints, `headers` for extra ones such as
   * `Idempotency-Key`. Throws ApiError on any non-2xx.
   */
  async json<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: { auth?: boolean; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const res = await this.send(
      path,
      {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...opts.headers,
        },
      },
      opts.auth ?? true,
    );
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query: Record<string, string | number | boolean | undefined | null> = {}): Promise<T> {
    return this.json<T>('GET', withQuery(path, query));
  }

  /** A download that needs the bearer token (CSV): fetched, then handed out as a Blob. */
  async blob(path: string, accept = 'text/csv'): Promise<Blob> {
    const res = await this.send(path, { method: 'GET', headers: { accept } }, true);
    return res.blob();
  }

  /** multipart/form-data upload (the browser sets the boundary). */
  async form<T>(path: string, form: FormData): Promise<T> {
    const res = await this.send(path, { method: 'POST', body: form, headers: {} }, true);
    return (await res.json()) as T;
  }

  async logout(): Promise<void> {
    const had = this.session;
    this.setSession(null);
    if (!had) return;
    try {
      await this.deps.fetch(`${this.base}/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${had.accessToken}` },
      });
    } catch {
      // Offline: the tokens are gone from this tab either way.
    }
  }

  /** One refresh at a time: concurrent 401s wait for the same rotation (a refresh token is single use). */
  refresh(): Promise<Session | null> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => (this.refreshing = null));
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<Session | null> {
    const s = this.session;
    if (!s) return null;
    try {
      const res = await this.deps.fetch(`${this.base}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: s.refreshToken }),
      });
      if (res.status === 200) {
        const body = (await res.json()) as { session: Session };
        this.setSession(body.session);
        return body.session;
      }
      // Refused (reused, revoked, suspended): the session is over.
      if (res.status === 401 || res.status === 403) this.setSession(null);
      return null;
    } catch {
      return null;
    }
  }

  private async send(
    path: string,
    init: { method: string; body?: BodyInit; headers: Record<string, string> },
    auth: boolean,
  ): Promise<Response> {
    const attempt = (token: string | undefined) =>
      this.deps.fetch(`${this.base}${path}`, {
        method: init.method,
        body: init.body,
        headers: {
          accept: 'application/json',
          ...init.headers,
          ...(auth && token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
    let res: Response;
    try {
      res = await attempt(this.session?.accessToken);
      if (res.status === 401 && auth && this.session) {
        const renewed = await this.refresh();
        if (renewed) res = await attempt(renewed.accessToken);
      }
    } catch {
      throw new ApiError(
        0,
        'Network error',
        'The server could not be reached. Check the connection and try again.',
        'NETWORK_ERROR',
      );
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }

  private schedule(): void {
    const clear =
      this.deps.clearTimeout ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
    const set = this.deps.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    if (this.timer !== undefined) clear(this.timer);
    this.timer = undefined;
    if (!this.session) return;
    const now = (this.deps.now ?? Date.now)();
    const due = new Date(this.session.accessTokenExpiresAt).getTime() - REFRESH_EARLY_MS - now;
    // Timers cap at ~24.8 days; the API's access tokens live minutes.
    this.timer = set(() => void this.refresh(), Math.min(Math.max(due, 0), 2 ** 31 - 1));
  }
}

export async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text) as {
      type?: string;
      status?: number;
      title?: string;
      detail?: string;
      code?: string;
      errors?: Array<{ field: string; message: string }>;
      [member: string]: unknown;
    };
    const { type: _type, status: _status, title, detail, code, errors, ...extra } = p;
    return new ApiError(
      res.status,
      title ?? res.statusText ?? 'Error',
      detail ?? '',
      code ?? 'ERROR',
      Array.isArray(errors) ? errors : [],
      extra,
    );
  } catch {
    return new ApiError(res.status, res.statusText || 'Error', `The server answered ${res.status}.`, 'ERROR');
  }
}

export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | undefined | null>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function readSession(storage: Storage): Session | null {
  try {
    const raw = storage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

/** Saves a Blob through a temporary link (the CSV endpoints need the bearer token, so no plain href). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
