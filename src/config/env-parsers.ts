/** Small typed readers for environment variables; each failure names its variable. */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

export function str(env: Env, name: string): string | undefined;
export function str(env: Env, name: string, fallback: string): string;
export function str(env: Env, name: string, fallback?: string): string | undefined {
  return raw(env, name) ?? fallback;
}

export function int(env: Env, name: string, fallback: number, bounds: { min?: number; max?: number } = {}): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `must be a whole number (got "${value}")`);
  const n = Number(value);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${n})`);
  return n;
}

export function oneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const value = raw(env, name) ?? fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${choices.join(', ')} (got "${value}")`);
  }
  return value as T;
}

export function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const value = raw(env, name);
  return value === undefined ? undefined : checkedUrl(name, value, protocols);
}

/** A comma-separated list of URLs, each checked as `url` checks one. */
export function urlList(env: Env, name: string, protocols: readonly string[]): string[] {
  return list(env, name).map((value) => checkedUrl(name, value, protocols));
}

function checkedUrl(name: string, value: string, protocols: readonly string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
  }
  return value;
}

/**
 * Browser origins (`scheme://host[:port]`) as browsers send them in `Origin`: a trailing slash, a
 * host in capitals or a default port would otherwise never match. `*` alone means any origin (an
 * empty list).
 */
export function origins(env: Env, name: string): string[] {
  const values = list(env, name);
  if (values.length === 1 && values[0] === '*') return [];
  return values.map((value) => {
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      // reported below
    }
    const isOrigin = parsed && parsed.origin !== 'null' && parsed.pathname === '/' && !parsed.search && !parsed.hash && !parsed.username;
    if (!isOrigin) throw new ConfigError(name, `"${value}" is not an origin: write scheme://host[:port], such as https://app.example.com`);
    return parsed!.origin;
  });
}

export function list(env: Env, name: string): string[] {
  const value = raw(env, name);
  return value === undefined
    ? []
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration such as `900`, `15m`, `12h` or `7d`, returned in seconds. */
export function durationSeconds(env: Env, name: string, fallback: string): number {
  const value = raw(env, name) ?? fallback;
  const match = /^(\d+)\s*([smhd]?)$/.exec(value);
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(name, `must be a positive duration such as 3600, 15m, 12h or 7d (got "${value}")`);
  }
  return Number(match[1]) * DURATION_UNITS[match[2] || 's'];
}

/** `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`). */
export function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(name, `must be true or false (got "${value}")`);
}
