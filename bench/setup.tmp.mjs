import { runLoad, startServer } from './lib.mjs';
import { startPostgres } from './postgres.mjs';
const pg = await startPostgres();
const task = {
  pairs: 100,
  calleeRole: 'student',
  openLoop: { ratePerS: 100, warmupMs: 500, durationMs: 3000 },
  closedLoop: { levels: [25, 100], warmupMs: 1000, durationMs: 3000 },
  deadlineMs: 120000,
};
for (const kind of (process.env.KINDS ?? 'app,minimal-calls').split(',')) {
  const server = await startServer(kind, {
    db: 'postgres',
    postgresUrl: pg.url,
    env: process.env.SENV ? JSON.parse(process.env.SENV) : {},
  });
  const r = await runLoad('call-setup', { ...task, url: server.url, serverPid: server.pid });
  const best = r.closedLoop.reduce((a, b) => (b.cyclesPerS > a.cyclesPerS ? b : a));
  console.log(
    kind,
    JSON.stringify({
      cps: best.cyclesPerS,
      at: best.concurrency,
      cpu: best.serverCpuMsPerCycle,
      pgcpu: best.postgresCpuMsPerCycle,
      ring99: r.openLoop.steps.startToIncoming.p99,
      openCpu: r.openLoop.serverCpuMsPerCycle,
      fails: Object.keys(best.failures).length,
    }),
  );
  await server.stop();
}
pg.stop();
