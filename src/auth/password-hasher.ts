import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, scrypt as scryptCallback, ScryptOptions, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;

function scrypt(password: string, salt: Buffer, cost: number): Promise<Buffer> {
  const options: ScryptOptions = { N: cost, r: BLOCK_SIZE, p: 1, maxmem: 256 * cost * BLOCK_SIZE };
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** scrypt (memory-hard, in Node's crypto: nothing native to build). Hashes carry their own cost. */
@Injectable()
export class PasswordHasher {
  private dummyHash?: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const cost = this.config.passwordHashCost;
    const key = await scrypt(password, salt, cost);
    return `scrypt$${cost}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  async verify(password: string, stored: string | null | undefined): Promise<boolean> {
    if (!stored) {
      // Spend the same time as a real check, so a response time does not reveal unknown emails.
      this.dummyHash ??= this.hash('not-a-password');
      await this.verify(password, await this.dummyHash);
      return false;
    }
    const [scheme, cost, salt, key] = stored.split('$');
    if (scheme !== 'scrypt' || !cost || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64');
    const actual = await scrypt(password, Buffer.from(salt, 'base64'), Number(cost));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
