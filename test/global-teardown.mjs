// Removes what global-setup.mjs made for the run.
import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const dir = process.env.CALLS_TEST_SHARED_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
