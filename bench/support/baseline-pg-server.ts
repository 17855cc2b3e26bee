// Baseline for REST benchmarks: a bare Fastify server answering one primary-key SELECT
// through `pg`, with no Nest, auth or validation. Run as a child: PORT, DATABASE_URL.
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const app = Fastify({ logger: false });

app.get<{ Params: { id: string } }>('/row/:id', async (request, reply) => {
  const { rows } = await pool.query('SELECT id, payload FROM bench_baseline WHERE id = $1', [
    request.params.id,
  ]);
  if (rows.length === 0) return reply.code(404).send({ code: 'NOT_FOUND' });
  return rows[0];
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
