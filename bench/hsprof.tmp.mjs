import { io } from 'socket.io-client';
import { mintToken, sleep, startServer } from './lib.mjs';
import { startPostgres } from './postgres.mjs';
const pg = await startPostgres();
const server = await startServer('app', { db: 'postgres', postgresUrl: pg.url, profileDir: '/tmp/fp' });
async function open(prefix, n) {
  const socks = [];
  for (let i = 0; i < n; i += 10)
    await Promise.all(
      Array.from(
        { length: 10 },
        (_, j) =>
          new Promise((d, f) => {
            const s = io(server.url, {
              transports: ['websocket'],
              forceNew: true,
              reconnection: false,
              auth: { token: mintToken(`${prefix}-${i + j}`) },
            });
            s.once('authenticated', d);
            s.once('connect_error', f);
            socks.push(s);
          }),
      ),
    );
  return socks;
}
for (const s of await open('u', 1000)) s.close();
await sleep(6500);
process.kill(server.pid, 'SIGTTIN');
await sleep(200);
const c0 = server.cpuMs();
const socks = await open('u', 1000);
await sleep(500);
console.log('open µs', server.cpuMs() - c0);
process.kill(server.pid, 'SIGTTOU');
await server.waitForLine(/profile-written/, 20000);
for (const s of socks) s.close();
await server.stop();
pg.stop();
