/** Signs development tokens when JWT_SECRET is unset; refused in production. */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-change-me';

/** Secrets that were published somewhere (this repository's examples, its development default). */
const PUBLISHED_SECRETS = new Set([DEVELOPMENT_JWT_SECRET, 'replace-with-a-long-random-secret']);

/** What a production signing secret needs: at least 32 characters that look like 32 random bytes. */
const MIN_LENGTH = 32;
const MIN_BITS = 128;

/**
 * An estimate of the randomness in a secret: its length times the entropy of its characters'
 * frequencies. A phrase, a repeated character or a short hex string scores low; `openssl rand
 * -base64 48` scores about 270 bits.
 */
export function estimatedBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const character of secret) counts.set(character, (counts.get(character) ?? 0) + 1);
  const length = [...secret].length;
  let perCharacter = 0;
  for (const count of counts.values()) perCharacter -= (count / length) * Math.log2(count / length);
  return perCharacter * length;
}

/** Why `secret` must not sign tokens in production, or undefined when it may. */
export function productionSecretProblem(secret: string): string | undefined {
  const advice = 'generate one with `openssl rand -base64 48`';
  if (PUBLISHED_SECRETS.has(secret)) return `is a published example value; ${advice}`;
  if (secret.length < MIN_LENGTH) return `must be at least ${MIN_LENGTH} characters when NODE_ENV=production; ${advice}`;
  const bits = Math.floor(estimatedBits(secret));
  if (bits < MIN_BITS) return `does not look random (about ${bits} bits; at least ${MIN_BITS} needed); ${advice}`;
  return undefined;
}
