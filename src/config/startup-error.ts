/**
 * Something the server needs at start could not be had (a database, Redis, a port): one line that
 * names the setting to look at, printed without a stack.
 */
export class StartupError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Cannot start: ${variable} ${problem}`);
  }
}
