// Baseline for bench:connections: a bare socket.io server (no Nest, no auth, no checks) on
// ioredis with auto-pipelining: one GEOADD per officer update, one GEOSEARCH per citizen
// query. PORT, REDIS_URL, KEY (geo key) from the environment.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
const key = process.env.KEY ?? 'bench:baseline:geo';
const http = createServer();
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
