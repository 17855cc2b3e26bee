import { spawnSync } from 'node:child_process';

describe('docs/configuration.md', () => {
  it('is what scripts/env-table.mjs makes of .env.example (run it after changing a variable)', () => {
    const r = spawnSync(process.execPath, ['scripts/env-table.mjs', '--check'], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
