// How a simulated app opens its socket.io connection to the `/connections` namespace; shared by
// bench:connections' load generator and `npm run demo`.
import { io, type Socket } from 'socket.io-client';

export interface SocketOptions {
  /** Extra handshake fields beside the token (the bench baseline server reads `role`). */
  auth?: Record<string, unknown>;
  /** Connect timeout in ms. */
  timeoutMs?: number;
  /** Extra handshake HTTP headers (the demo's phones each claim their own X-Forwarded-For). */
  headers?: Record<string, string>;
  /** Loopback source address (127.0.0.x): each one has its own ephemeral port range (bench:sockets). */
  localAddress?: string;
}

/**
 * Opens a websocket-only socket.io client on `<url>/connections` with `auth: {token}` and no
 * automatic reconnects (callers decide); resolves once connected, rejects with the server's
 * connect_error (the socket is closed then).
 */
export function connectSocket(url: string, token: string, opts: SocketOptions = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(`${url}/connections`, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { ...opts.auth, token },
      ...(opts.headers ? { extraHeaders: opts.headers } : {}),
      reconnection: false,
      forceNew: true,
      timeout: opts.timeoutMs ?? 30_000,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}
