import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

// This machine runs deploy/haproxy/start.sh (test/cluster-haproxy.e2e-spec.ts) but no containers:
// these checks keep the Dockerfile and deploy/compose.yaml in step with the recipe and the server.
const ROOT = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('the deployment recipe files', () => {
  const haproxyVariables = [...read('deploy/haproxy/haproxy.cfg').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);

  it('haproxy.cfg reads only variables that start.sh and the compose file both set', () => {
    expect(new Set(haproxyVariables)).toEqual(new Set(['BIND_ADDRESS', 'HTTPS_PORT', 'CERT_FILE', 'APP1', 'APP2']));
    const script = read('deploy/haproxy/start.sh');
    for (const name of haproxyVariables) expect(script).toMatch(new RegExp(`(export ${name}=|${name}=\\S+ .*haproxy )`));
    const compose = parse(read('deploy/compose.yaml'));
    expect(Object.keys(compose.services.haproxy.environment).sort()).toEqual([...new Set(haproxyVariables)].sort());
    for (const volume of compose.services.haproxy.volumes as string[]) {
      const source = volume.split(':')[0];
      if (!source.endsWith('localhost.pem')) expect(existsSync(join(ROOT, 'deploy', source))).toBe(true);
    }
  });

  it('the image holds what the server reads at run time, copied from paths that exist', () => {
    const dockerfile = read('Dockerfile');
    const [buildStage, runStage] = dockerfile.split(/^FROM .*$/m).slice(1);
    for (const [, sources] of buildStage.matchAll(/^COPY (?!--)(.+) \S+$/gm))
      for (const source of sources.split(' ')) if (source !== '.') expect(existsSync(join(ROOT, source))).toBe(true);
    const copied = [...runStage.matchAll(/^COPY --from=build \/app\/(\S+) /gm)].map((m) => m[1]);
    // The build, its dependencies and the client package they link to, and the files src/ reads beside dist/.
    for (const path of [
      'dist',
      'node_modules',
      'package.json',
      'packages/client/dist',
      'prisma/migrations',
      'public',
      'docs/asyncapi.yaml',
    ])
      expect(copied).toContain(path);
  });
});
