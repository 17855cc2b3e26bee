// Builds dist/ when it is missing or older than any source file, so `npm start` and
// `npm run cli` work straight from a clean clone (the build includes the admin dashboard).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const marker = 'dist/apps/api/src/main.js';
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const sources = Math.max(newest('apps'), newest('libs'), statSync('prisma/schema.prisma').mtimeMs);
if (!existsSync(marker) || statSync(marker).mtimeMs < sources || !existsSync('apps/admin/dist/index.html')) {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
