import { readFileSync } from 'node:fs';
import { API_NODE_FLAGS } from '../../apps/api/src/node-flags.js';

/** Every place that starts the API process passes the same V8 flags (apps/api/src/node-flags.ts; the Helm Deployment is checked in helm.spec.ts). */
describe('API node flags', () => {
  const read = (path: string) => readFileSync(path, 'utf8');
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

  it.each([
    ['npm start', () => pkg.scripts.start!.split('&&').at(-1)!],
    ['npm run start:prod', () => pkg.scripts['start:prod']!],
  ])('%s', (_name, command) => {
    expect(command().trim()).toBe(`node ${API_NODE_FLAGS.join(' ')} dist/apps/api/src/main.js`);
  });

  it('the Dockerfile', () => {
    expect(read('Dockerfile')).toContain(`CMD ${JSON.stringify(['node', ...API_NODE_FLAGS, 'dist/apps/api/src/main.js']).replaceAll(',', ', ')}`);
  });
});
