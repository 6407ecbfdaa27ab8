import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A pid file that keeps a second server process off the same embedded database. */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, 'server.pid');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(readFileSync(path, 'utf8').trim());
        if (holder && isAlive(holder)) {
          throw new Error(
            `DATA_DIR ${dataDir} is in use by process ${holder}. The embedded database serves one ` +
              'process; give each server its own DATA_DIR, or set DATABASE_URL to share PostgreSQL.',
            { cause: error },
          );
        }
        unlinkSync(path); // left behind by a process that is gone
      }
    }
    throw new Error(`Could not lock DATA_DIR ${dataDir}`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
