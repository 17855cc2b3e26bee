// One client worker of bench:sockets (forked by run.ts, several of them so that the client side
// is not the bottleneck). Driven over IPC:
//   (on start)             → {type: 'ready'};
//   {type: 'connect', ...} → opens its share of the sockets (a bounded number of handshakes in
//                            flight) and answers {type: 'connected', connected, failed, errors};
//   {type: 'drive', rate, durationS} → sends `rate` location updates a second in total, spread
//                            round robin over its sockets (open loop, 10 ms ticks), and answers
//                            {type: 'driven', latencies, codes} once every ack came back or timed out;
//   {type: 'close'}        → disconnects everything and exits.
import type { Socket } from 'socket.io-client';
import { connectSocket } from '../support/socket.js';

export interface ConnectCommand {
  type: 'connect';
  url: string;
  /** One entry per socket of this worker. */
  sockets: Array<{
    token: string;
    role: 'officer' | 'citizen';
    lat: number;
    lng: number;
    localAddress: string;
  }>;
  /** Handshakes in flight at once. */
  inFlight: number;
}
export interface DriveCommand {
  type: 'drive';
  rate: number;
  durationS: number;
}
export type Command = ConnectCommand | DriveCommand | { type: 'close' };

export type Reply =
  | { type: 'ready' }
  | { type: 'connected'; connected: number; failed: number; errors: Record<string, number> }
  | { type: 'driven'; latencies: number[]; codes: Record<string, number> };

const open: Array<{ socket: Socket; lat: number; lng: number }> = [];
const reply = (r: Reply) => process.send!(r);
const bump = (o: Record<string, number>, k: string) => void (o[k] = (o[k] ?? 0) + 1);

async function connectAll(cmd: ConnectCommand): Promise<void> {
  const errors: Record<string, number> = {};
  let next = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < cmd.sockets.length) {
      const s = cmd.sockets[next++]!;
      try {
        const socket = await connectSocket(cmd.url, s.token, {
          auth: { role: s.role },
          localAddress: s.localAddress,
        });
        open.push({ socket, lat: s.lat, lng: s.lng });
      } catch (err) {
        failed += 1;
        bump(errors, (err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.inFlight }, lane));
  reply({ type: 'connected', connected: open.length, failed, errors });
}

async function drive(cmd: DriveCommand): Promise<void> {
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  const send = (i: number, step: number): Promise<void> => {
    const { socket, lat, lng } = open[i]!;
    const started = performance.now();
    return new Promise((resolve) => {
      // Alternate between two points ~11 m apart: always a plausible move, whoever sent last.
      socket
        .timeout(10_000)
        .emit(
          'location',
          { lat: lat + (step % 2) * 0.0001, lng },
          (err: Error | null, ack?: { ok: boolean; code?: string }) => {
            if (err || !ack) bump(codes, 'TIMEOUT');
            else if (!ack.ok) bump(codes, ack.code ?? 'UNKNOWN');
            else latencies.push(performance.now() - started);
            resolve();
          },
        );
    });
  };
  if (open.length > 0 && cmd.rate > 0) {
    const started = performance.now();
    let n = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = (performance.now() - started) / 1000;
        if (elapsed >= cmd.durationS) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor(elapsed * cmd.rate) - n;
        for (let k = 0; k < due; k++, n++) pending.push(send(n % open.length, Math.floor(n / open.length)));
      }, 10);
    });
    await Promise.all(pending);
  }
  reply({ type: 'driven', latencies, codes });
}

process.on('message', (cmd: Command) => {
  if (cmd.type === 'connect') void connectAll(cmd);
  else if (cmd.type === 'drive') void drive(cmd);
  else {
    for (const { socket } of open) socket.disconnect();
    // Let the close frames leave before the process goes.
    setTimeout(() => process.exit(0), 500);
  }
});
// Loaded (the TypeScript loader takes a while): the parent starts its handshake clock after this.
reply({ type: 'ready' });
