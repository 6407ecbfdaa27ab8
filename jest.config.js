// Unit specs live beside the code (src, *.spec.ts); e2e suites in test/ boot the real app.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  // Two cores: two suites at a time keeps each app's timers honest.
  maxWorkers: 2,
};
