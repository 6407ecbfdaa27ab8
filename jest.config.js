// Unit specs live beside the code (src, *.spec.ts); e2e suites in test/ boot the real app.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  // Several server processes need one database they can all reach: the cluster suites run in the
  // PostgreSQL pass (DATABASE_URL set), with a redis-server of their own.
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.DATABASE_URL ? [] : ['/test/cluster'])],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // The client package from its sources (its imports end in .js, as Node's ES modules want).
  moduleNameMapper: { '^@call-signaling/client$': '<rootDir>/packages/client/src/index.ts', '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
  // A directory per run for what suites share (a migrated embedded database to copy).
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  // Two cores: two suites at a time keeps each app's timers honest.
  maxWorkers: 2,
};
