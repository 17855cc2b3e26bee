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
 * Connection flow across instances (GEO scripts, windows, requests, socket.io rooms), socket
 * recovery across instances (streams adapter sessions and missed packets), sign-in
 * state and revocations across instances (dev OpenID provider, pub/sub), subscriptions made while
 * the subscriber connection connects.
 */
const CLUSTER_SUITES = [
  'connections/two-instances',
  'connections/recovery',
  'iam/two-instances',
  'platform/redis-subscriptions',
].map((s) => `<rootDir>/test/${s}.e2e-spec.ts`);

/**
 * Suites that need a PostgreSQL streaming replica of the test server (DATABASE_REPLICA_URLS): the
 * project's global setup makes one with pg_basebackup and its teardown removes it.
 */
const REPLICA_SUITES = ['platform/read-replicas'].map((s) => `<rootDir>/test/${s}.replica-spec.ts`);

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
    // Part of `npm test` (and alone: `npm run test:cluster`). It was opt-in while a flake was
    // open: ioredis wrote a SUBSCRIBE during a subscriber connection's handshake and failed its
    // ready check ("Connection in subscriber mode"); see oneSubscriptionAtATime in redis.service.ts.
    {
      ...shared,
      displayName: 'cluster',
      testMatch: CLUSTER_SUITES,
      globalSetup: '<rootDir>/test/support/cluster-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/cluster-global-teardown.ts',
      setupFiles: ['<rootDir>/test/support/cluster-mode.ts'],
    },
    // Part of `npm test` (and alone: `npm run test:replica`).
    {
      ...shared,
      displayName: 'replica',
      testMatch: REPLICA_SUITES,
      globalSetup: '<rootDir>/test/support/replica-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/replica-global-teardown.ts',
    },
  ],
};
