import { rolesLeft } from './withdraw-account.handler.js';

describe('rolesLeft: what a role change takes an account out of', () => {
  it.each([
    ['officer', 'citizen', ['officer']],
    ['officer', 'admin', ['officer']],
    ['citizen', 'officer', ['citizen']],
    ['citizen', 'admin', ['citizen']],
    ['admin', 'officer', []],
    ['admin', 'citizen', []],
    ['officer', 'officer', []],
  ] as const)('%s → %s leaves %j', (from, to, left) => {
    expect(rolesLeft(from, to)).toEqual(left);
  });
});
