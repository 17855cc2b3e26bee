// Fails when an installed package's `engines.node` excludes the Node.js that runs the project.
// A package that declares Node >= 22 may run on 20 for months and then break on a path no test
// takes (six did, before the project moved to the LTS runtime): CI should say so the day it lands.
// Reads the lockfile's list of installed packages, then each one's own package.json on disk
// (the lockfile copies `engines` only for some packages).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const semver = require('semver');

const root = process.cwd();
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const runtime = process.version;
const ownRange = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node;

const failures = [];
if (ownRange && !semver.satisfies(runtime, ownRange)) {
  failures.push(`the project itself wants node ${ownRange}`);
}
let checked = 0;
for (const path of Object.keys(lock.packages ?? {})) {
  if (!path.startsWith('node_modules/')) continue;
  const manifest = join(root, path, 'package.json');
  // Optional packages of other platforms are in the lockfile but not on disk.
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  const range = pkg.engines?.node;
  checked += 1;
  if (typeof range !== 'string' || range.trim() === '' || range.trim() === '*') continue;
  if (!semver.validRange(range)) continue; // a few packages write prose here; npm ignores it too
  if (!semver.satisfies(runtime, range, { includePrerelease: true })) {
    failures.push(`${pkg.name}@${pkg.version} (${path}) wants node ${range}`);
  }
}

if (failures.length > 0) {
  console.error(`check-engines: ${failures.length} installed package(s) exclude node ${runtime}:`);
  for (const f of failures) console.error(`  - ${f}`);
  process.exit(1);
}
console.log(`check-engines: ${checked} installed packages accept node ${runtime}`);
