import { linkSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Lock files this process holds: a lock naming our own pid is ours only if it is here. */
const heldHere = new Set<string>();

/** How long a lock file may stay empty while the process creating it writes its pid (older servers wrote it in two steps). */
const BEING_WRITTEN_MS = 10_000;
/** A holder touches its lock file this often; one untouched for STALE_AFTER_MS is a dead holder's. */
const REFRESH_MS = 10_000;
const STALE_AFTER_MS = 60_000;

/**
 * A pid file that keeps a second server process off the same embedded database. A file left by a
 * process that is gone is taken over, including one naming our own pid: a container's server is
 * pid 1 every time it starts.
 */
export class DataDirLock {
  /** Touches the file now and then: a lock of another host's that nobody touches any more is stale. */
  private readonly refresher: NodeJS.Timeout;

  private constructor(private readonly path: string) {
    this.refresher = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(path, now, now);
      } catch {
        // Gone (released): nothing to keep fresh.
      }
    }, REFRESH_MS);
    this.refresher.unref();
  }

  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, 'server.pid');
    for (let attempt = 0; attempt < 3; attempt++) {
      if (create(path)) {
        heldHere.add(path);
        return new DataDirLock(path);
      }
      const seen = read(path);
      if (seen === undefined) continue; // released meanwhile
      const holder = holderOf(seen);
      if (isHeld(path, holder)) {
        const where = holder.host && holder.host !== hostname() ? ` on host ${holder.host}` : '';
        throw new Error(
          `DATA_DIR ${dataDir} is in use by process ${holder.pid || '(unknown)'}${where}. The embedded database serves one ` +
            'process; give each server its own DATA_DIR, or set DATABASE_URL to share PostgreSQL. ' +
            `If no server uses it any more, delete ${path}.`,
        );
      }
      takeOver(path, seen);
    }
    throw new Error(`Could not lock DATA_DIR ${dataDir}`);
  }

  release(): void {
    clearInterval(this.refresher);
    heldHere.delete(this.path);
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

/** Creates the lock file with our pid in it, in one step (a link of a file already written): false when it exists. */
function create(path: string): boolean {
  const draft = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${process.pid} ${hostname()}\n`);
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The lock file's `<pid> <host>` (servers before this one wrote the pid alone). */
function holderOf(text: string): { pid: number; host?: string } {
  const [pid, host] = text.trim().split(/\s+/);
  return { pid: Number(pid), host };
}

/**
 * Whether the holder may still be running. On another host (containers sharing a volume, each its
 * own pid 1; or this container's predecessor, recreated under a new name) its process cannot be
 * asked: held while it keeps the file fresh. On ours, a holder with our own pid is a process of
 * ours (this one, or the one before a container restarted).
 */
function isHeld(path: string, { pid: holder, host }: { pid: number; host?: string }): boolean {
  if (host !== undefined && host !== hostname()) return touchedWithin(path, STALE_AFTER_MS);
  if (holder === process.pid) return heldHere.has(path);
  if (Number.isSafeInteger(holder) && holder > 0) return isAlive(holder);
  // No pid yet: a process may be writing it now.
  return touchedWithin(path, BEING_WRITTEN_MS);
}

function touchedWithin(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}

/**
 * Removes a stale lock file, unless another process took it over first: the file is moved aside
 * (one process wins the move) and put back if it is no longer the one found stale.
 */
function takeOver(path: string, stale: string): void {
  const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}-stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (read(aside) !== stale) linkSync(aside, path);
  } catch {
    // Another process holds a lock again: ours will not be created.
  } finally {
    unlinkSync(aside);
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
