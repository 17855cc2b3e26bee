// One-time local setup after `npm ci`: .env from .env.example, build, create the database
// named by DATABASE_URL when missing, migrate and seed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import dotenv from 'dotenv';
import pg from 'pg';

if (!existsSync('.env')) {
  copyFileSync('.env.example', '.env');
  console.log('created .env from .env.example');
}
dotenv.config({ quiet: true });

const run = (args) => {
  const r = spawnSync('npm', args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(['run', '--silent', 'build']);

const url = new URL(process.env.DATABASE_URL);
const name = decodeURIComponent(url.pathname.slice(1));
const admin = new URL(url);
admin.pathname = '/postgres';
const client = new pg.Client({ connectionString: admin.toString() });
await client.connect();
const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
if (rowCount === 0) {
  await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  console.log(`created database ${name}`);
}
await client.end();

run(['run', '--silent', 'cli', '--', 'db:migrate']);
run(['run', '--silent', 'cli', '--', 'db:seed']);
console.log('setup done: `npm start` serves the API on PORT (default 3000)');
