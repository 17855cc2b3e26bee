// Baseline for bench:connections: a bare socket.io server (no Nest, no auth, no checks) on
// ioredis with auto-pipelining: one GEOADD per officer update, one GEOSEARCH per citizen
// query. PORT, REDIS_URL, KEY (geo key) from the environment. `GET /eventloop` answers the
// event-loop delay p99 (ms) since the previous call, sampled as prom-client samples the app's
// (bench:sockets compares the two).
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
const key = process.env.KEY ?? 'bench:baseline:geo';
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const http = createServer((req, res) => {
  if (req.url !== '/eventloop') return void res.writeHead(404).end();
  const p99Ms = loop.percentile(99) / 1e6;
  loop.reset();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ p99Ms }));
});
const io = new Server(http, { transports: ['websocket'] });

io.of('/connections').on('connection', (socket) => {
  const role = (socket.handshake.auth as { role?: string }).role ?? 'officer';
  const id = socket.id;
  socket.on('location', (msg: { lat: number; lng: number }, ack: (a: unknown) => void) => {
    if (role === 'citizen') {
      redis
        .geosearch(
          key,
          'FROMLONLAT',
          msg.lng,
          msg.lat,
          'BYRADIUS',
          1000,
          'm',
          'ASC',
          'COUNT',
          20,
          'WITHDIST',
          'WITHCOORD',
        )
        .then(
          (rows) => ack({ ok: true, nearby: rows }),
          () => ack({ ok: false, code: 'ERROR' }),
        );
    } else {
      redis.geoadd(key, msg.lng, msg.lat, id).then(
        () => ack({ ok: true }),
        () => ack({ ok: false, code: 'ERROR' }),
      );
    }
  });
});

http.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
