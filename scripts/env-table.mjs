// Prints the README configuration table from .env.example (the one documented list).
import { readFileSync } from 'node:fs';

const lines = readFileSync('.env.example', 'utf8').split('\n');
let comment = [];
let afterVar = false;
const rows = [];
for (const line of lines) {
  if (line.startsWith('#')) {
    if (afterVar) comment = [];
    afterVar = false;
    comment.push(line.replace(/^#\s?/, ''));
  } else if (/^[A-Z][A-Z0-9_]*=/.test(line)) {
    const [name, ...rest] = line.split('=');
    const value = rest.join('=');
    const shown = /SECRET|KEY|TOKEN|PASSWORD/.test(name) && value ? '(set me)' : value;
    rows.push(`| \`${name}\` | ${shown ? `\`${shown}\`` : ''} | ${comment.join(' ').replace(/\|/g, '\\|')} |`);
    afterVar = true;
  } else if (line.trim() === '') {
    comment = [];
    afterVar = false;
  }
}
console.log('| variable | example / default | meaning |\n|---|---|---|\n' + rows.join('\n'));
