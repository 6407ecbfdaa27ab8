import { runLoad, sleep, startServer } from './lib.mjs';
import { startPostgres } from './postgres.mjs';
const pg = await startPostgres();
const task = {
  pairs: 100,
  calleeRole: 'student',
  openLoop: { ratePerS: 100, warmupMs: 200, durationMs: 500 },
  closedLoop: { levels: [100], warmupMs: 1000, durationMs: 8000 },
  deadlineMs: 120000,
};
const server = await startServer('app', { db: 'postgres', postgresUrl: pg.url, profileDir: '/tmp/fp' });
const load = runLoad('call-setup', { ...task, url: server.url, serverPid: server.pid });
await sleep(Number(process.env.AT ?? 6000));
process.kill(server.pid, 'SIGTTIN');
await sleep(4000);
process.kill(server.pid, 'SIGTTOU');
await server.waitForLine(/profile-written/, 20000);
const r = await load;
console.log(JSON.stringify(r.closedLoop.map((l) => [l.cyclesPerS, l.serverCpuMsPerCycle])));
await server.stop();
pg.stop();
