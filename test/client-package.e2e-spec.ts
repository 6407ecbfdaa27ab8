import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startTestApp, TestApp } from './helpers/test-app';
import { registerUser } from './helpers/users';

// The client package as a frontend team gets it: `npm pack`ed, unpacked into consumer projects of
// three module setups (test/client-package/*), compiled with their own settings and run.
const ROOT = resolve(__dirname, '..');
const FIXTURES = join(__dirname, 'client-package');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

describe('the client package, packed and used by consumer projects (e2e)', () => {
  let work: string;
  let tarball: string;
  let packedFiles: string[];
  let t: TestApp;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'client-consumers-'));
    // Packed from a copy, so its build (npm pack runs prepack) never touches the dist/ that
    // servers other suites start are loading.
    const source = join(work, 'client');
    cpSync(join(ROOT, 'packages', 'client'), source, { recursive: true, filter: (path) => !/[/\\](dist|node_modules)$/.test(path) });
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--pack-destination', work, '--json'], {
        cwd: source,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, packed.filename);
    packedFiles = packed.files.map((file) => file.path);
    t = await startTestApp();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** A consumer project: its fixture files, the shared sources it names, the tarball unpacked, and the peers it needs. */
  function consumer(kind: 'esm' | 'cjs' | 'bundler', shared: string[], peers: string[]): string {
    const dir = join(work, kind);
    cpSync(join(FIXTURES, kind), dir, { recursive: true });
    for (const file of shared) cpSync(join(FIXTURES, file), join(dir, file));
    const installed = join(dir, 'node_modules', '@call-signaling', 'client');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    for (const peer of peers) {
      mkdirSync(dirname(join(dir, 'node_modules', peer)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', peer), join(dir, 'node_modules', peer), 'dir');
    }
    return dir;
  }

  /** tsc's complaints about a project, empty when it compiles. */
  const compile = (dir: string): string => spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' }).stdout;

  async function runCall(dir: string) {
    const [caller, callee] = await Promise.all([registerUser(t.url, 'student'), registerUser(t.url, 'mentor')]);
    const argument = JSON.stringify({
      url: t.url,
      caller: { id: caller.id, token: caller.token },
      callee: { id: callee.id, token: callee.token },
    });
    // Not spawnSync: the app answering the call runs in this process.
    const run = await promisify(execFile)(process.execPath, [join(dir, 'out', 'call.js'), argument], { cwd: dir, timeout: 20_000 });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout);
    const call = await request(t.url).get(`/calls/${result.callId}`).auth(caller.token, { type: 'bearer' }).expect(200);
    return { result, call: call.body };
  }

  it('ships ES module and CommonJS builds, each with declarations, and the React entry', () => {
    for (const format of ['esm', 'cjs'])
      for (const file of ['index.js', 'index.d.ts', 'react.js', 'react.d.ts', 'package.json'])
        expect(packedFiles).toContain(`dist/${format}/${file}`);
    expect(packedFiles.filter((path) => !/^(dist|src)\/|^(package\.json|README\.md)$/.test(path))).toEqual([]);
  });

  it('an ES module project (NodeNext, verbatimModuleSyntax) compiles with typed acks and runs a call', async () => {
    const dir = consumer('esm', ['call.ts', 'typed-acks.ts'], ['socket.io-client', '@types/node']);
    expect(compile(dir)).toBe('');
    const { result, call } = await runCall(dir);
    expect(call).toMatchObject({ id: result.callId, status: 'ENDED', endReason: 'ended_by_api' });
    expect(result).toMatchObject({
      callerEnd: { callId: result.callId, reason: 'hangup' },
      calleeEnd: { callId: result.callId, reason: 'ended_by_api' },
      refusal: 'invalid_state',
      knownCode: true,
    });
  });

  it('a CommonJS project (node10 resolution) compiles, React entry included, and runs the same call through require()', async () => {
    const dir = consumer('cjs', ['call.ts'], ['socket.io-client', '@types/node', '@types/react']);
    // node10 resolution reads no `exports`: the React entry's types are found all the same.
    writeFileSync(
      join(dir, 'react-entry.ts'),
      "import type { useCall } from '@call-signaling/client/react';\nexport type Hook = typeof useCall;\n",
    );
    expect(compile(dir)).toBe('');
    const { result, call } = await runCall(dir);
    expect(call.status).toBe('ENDED');
    expect(result).toMatchObject({ calleeEnd: { callId: result.callId }, refusal: 'invalid_state' });
  });

  it('a bundler project with verbatimModuleSyntax type-checks the React hook and PeerCall on a typed socket', () => {
    const dir = consumer('bundler', ['typed-acks.ts'], ['socket.io-client', '@types/react']);
    expect(compile(dir)).toBe('');
  });

  it('a wrong ack payload or a wrong reply field does not compile', () => {
    const dir = join(work, 'esm');
    writeFileSync(
      join(dir, 'wrong.ts'),
      [
        "import type { CallsSocket } from '@call-signaling/client';",
        'export async function wrong(socket: CallsSocket) {',
        "  await socket.emitWithAck('startCall', { recipient: 'u1' });",
        "  const reply = await socket.emitWithAck('acceptCall', { callId: 'c1' });",
        '  return reply.ok ? reply.calls : null;',
        '}',
      ].join('\n'),
    );
    const errors = compile(dir);
    rmSync(join(dir, 'wrong.ts'));
    expect(errors).toMatch(/wrong\.ts\(3,.*'recipient' does not exist/);
    expect(errors).toMatch(/wrong\.ts\(5,.*Property 'calls' does not exist/);
  });
});
