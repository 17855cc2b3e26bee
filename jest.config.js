// Jest runs in ESM mode (NestJS 12 is ESM-only): NODE_OPTIONS=--experimental-vm-modules.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@heyblue/db$': '<rootDir>/generated/prisma/client.ts',
    '^@heyblue/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

/**
 * Suites that run a second time in cluster mode: every app they start uses a local Redis Cluster
 * (3 masters + 3 replicas) that the project's global setup starts and its teardown stops.
 * Connection flow across instances (GEO scripts, windows, requests, socket.io rooms), sign-in
 * state and revocations across instances (dev OpenID provider, pub/sub).
 */
const CLUSTER_SUITES = ['connections/two-instances', 'iam/two-instances', 'platform/redis-subscriptions'].map(
  (s) => `<rootDir>/test/${s}.e2e-spec.ts`,
);

/** @type {import('jest').Config} */
export default {
  // Applies to every project (per-project testTimeout is ignored by Jest).
  testTimeout: 60_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/test/**/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // Opt-in (`npm run test:cluster`), not yet part of `npm test`: on a clean run it failed once in
    // two with "Connection in subscriber mode, only subscriber commands may be used" from ioredis'
    // ready check on a cluster subscriber connection after a reconnect (an unhandled error inside
    // ioredis, not an assertion). Until that is fixed, a gate that fails at random proves nothing.
    ...(process.env.HEYBLUE_TEST_CLUSTER === '1'
      ? [
          {
            ...shared,
            displayName: 'cluster',
            testMatch: CLUSTER_SUITES,
            globalSetup: '<rootDir>/test/support/cluster-global-setup.ts',
            globalTeardown: '<rootDir>/test/support/cluster-global-teardown.ts',
            setupFiles: ['<rootDir>/test/support/cluster-mode.ts'],
          },
        ]
      : []),
  ],
};
