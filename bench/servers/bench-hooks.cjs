// Preloaded into every server under test (node --expose-gc -r), so the bench can act inside it:
// SIGUSR2 forces two full garbage collections and prints the heap then in use (the bench reads RSS
// too); SIGTTIN starts a CPU profile and SIGTTOU writes it to BENCH_PROFILE_DIR, so a profile
// covers exactly a measured window.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

process.on('SIGUSR2', () => {
  global.gc();
  global.gc();
  const { heapUsed, heapTotal } = process.memoryUsage();
  process.stdout.write(`bench:gc-done heap=${heapUsed} committed=${heapTotal}\n`);
});

let session = null;
let written = 0;
process.on('SIGTTIN', () => {
  session = new Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
});
process.on('SIGTTOU', () => {
  session?.post('Profiler.stop', (error, result) => {
    const file = join(process.env.BENCH_PROFILE_DIR ?? '.', `window-${++written}.cpuprofile`);
    if (!error) writeFileSync(file, JSON.stringify(result.profile));
    session.disconnect();
    session = null;
    process.stdout.write(`bench:profile-written ${error ? error.message : file}\n`);
  });
});
