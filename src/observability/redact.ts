/**
 * Takes secrets out of anything about to be logged: tokens in query strings, Authorization
 * headers, bearer tokens, JWT-shaped strings, URL passwords, and values under secret-sounding keys.
 * Logs never carry a credential, whichever code path produced them (CONTRACT.md §1).
 */

export const REDACTED = '[REDACTED]';

const TEXT_RULES: Array<[RegExp, string]> = [
  // ?token=…, &access_token=…, password=…, client_secret=… in URLs and form bodies.
  [/((?:^|[?&;\s"'])[\w.-]*(?:token|password|secret)=)[^&\s#"'<>;]*/gi, `$1${REDACTED}`],
  // "Authorization: Basic …", authorization="…" in a header dump or a serialized object.
  [/(authorization["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi, `$1${REDACTED}`],
  [/(\bbearer\s+)[^\s"',;}]+/gi, `$1${REDACTED}`],
  // "password":"…" or "token":"…" inside JSON that was turned into a string.
  [/("[\w.-]*(?:token|password|secret)"\s*:\s*")(?:[^"\\]|\\.)*"/gi, `$1${REDACTED}"`],
  // A JWT on its own, however it got into the text.
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, REDACTED],
  // postgres://user:password@host, redis://:password@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`],
];

/** What every rule above needs to find: most text has none of it, and is then left as it is after one scan. */
const MAY_HOLD_SECRET = /token|password|secret|authoriz|bearer|eyJ|:\/\//i;

/** Keys whose values are credentials whatever they look like. */
const SECRET_KEY = /^(authorization|cookie|set-cookie|password|passwd|secret|token|jwt|[\w-]*(?:token|secret|password))$/i;

export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of `value` with every string redacted and every secret-keyed value replaced. */
export function redact<T>(value: T, depth = 0, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (seen.has(value) || depth > 8) return '[…]' as T;
  seen.add(value);
  if (value instanceof Error) {
    const copy = new Error(redactText(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactText(value.stack);
    return copy as T;
  }
  if (Array.isArray(value)) return (value as unknown[]).map((item) => redact(item, depth + 1, seen)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null ? REDACTED : redact(item, depth + 1, seen);
  }
  return out as T;
}
