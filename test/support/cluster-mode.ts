// The cluster project's setup file: every app this test file starts (createTestEnv) runs on
// the project's Redis Cluster instead of the one Redis.
process.env.HEYBLUE_TEST_REDIS_MODE = 'cluster';
