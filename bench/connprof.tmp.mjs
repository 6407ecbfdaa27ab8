import { io } from 'socket.io-client';
import { mintToken, sleep, startServer } from './lib.mjs';
import { startPostgres } from './postgres.mjs';
const pg = await startPostgres();
const BARE = process.env.BARE;
const server = await startServer(BARE ? 'bare-socket.io' : 'app', { db: 'postgres', postgresUrl: pg.url, profileDir: '/tmp/fp' });
const N = Number(process.env.N ?? 600);
async function cycle(prefix, n) {
  const socks = [];
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      Array.from(
        { length: 10 },
        (_, j) =>
          new Promise((done, fail) => {
            const s = io(server.url, {
              transports: ['websocket'],
              forceNew: true,
              reconnection: false,
              auth: BARE ? { userId: `${prefix}-${i + j}` } : { token: mintToken(`${prefix}-${i + j}`) },
            });
            s.once(BARE ? 'connect' : 'authenticated', () => done());
            s.once('connect_error', fail);
            socks.push(s);
          }),
      ),
    );
  }
  await sleep(300);
  for (const s of socks) s.close();
  await sleep(1500);
}
await cycle('warm', 200);
for (const [label, prefix] of [
  ['new', 'u'],
  ['returning', 'u'],
]) {
  const c0 = server.cpuMs();
  if (process.env.PROF === label) process.kill(server.pid, 'SIGTTIN');
  await cycle(prefix, N);
  if (process.env.PROF === label) {
    process.kill(server.pid, 'SIGTTOU');
    await server.waitForLine(/profile-written/, 20000);
  }
  console.log(label, 'server CPU per connect+disconnect µs', Math.round(((server.cpuMs() - c0) / N) * 1000));
}
await server.stop();
pg.stop();
