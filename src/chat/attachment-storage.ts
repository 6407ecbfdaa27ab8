import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** Where attachment bytes live. The default keeps them on disk; an object store fits behind the same three calls. */
export interface AttachmentStorage {
  put(key: string, bytes: Buffer): Promise<void>;
  /** Rejects when the key holds nothing. */
  open(key: string): Promise<Readable>;
  remove(key: string): Promise<void>;
}

export const ATTACHMENT_STORAGE = Symbol('ATTACHMENT_STORAGE');

/** Files under UPLOAD_DIR named by their key (a server-made id, never the client's file name). */
export class DiskAttachmentStorage implements AttachmentStorage {
  constructor(private readonly dir: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Written aside and renamed, so a crash never leaves half a file under the real name.
    const partial = join(this.dir, `${key}.partial`);
    await writeFile(partial, bytes);
    await rename(partial, this.pathOf(key));
  }

  open(key: string): Promise<Readable> {
    return new Promise((resolve, reject) => {
      const stream = createReadStream(this.pathOf(key));
      stream.once('open', () => resolve(stream));
      stream.once('error', reject);
    });
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(key)) throw new Error(`Not a storage key: ${key}`);
    return join(this.dir, key);
  }
}
