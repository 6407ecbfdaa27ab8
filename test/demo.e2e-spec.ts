import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startTestApp, TestApp } from './helpers/test-app';

describe('demo page files (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves the page and its scripts to anyone, under a same-origin content policy', async () => {
    const page = await request(t.url)
      .get('/demo')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    for (const script of ['/demo/demo.js', '/socket.io/socket.io.min.js']) {
      expect(page.text).toContain(script);
      await request(t.url)
        .get(script)
        .expect(200)
        .expect('Content-Type', /javascript/);
    }
    const demo = await request(t.url).get('/demo/demo.js');
    expect(demo.text).toContain("from './peer-call.js'");
    await request(t.url)
      .get('/demo/peer-call.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    await request(t.url)
      .get('/demo/demo.css')
      .expect(200)
      .expect('Content-Type', /text\/css/);
  });

  it('serves nothing else from the folder', async () => {
    for (const path of ['/demo/index.html.bak', '/demo/..%2F..%2Fpackage.json', '/demo/%2e%2e%2fsrc%2fmain.ts']) {
      const response = await request(t.url).get(path).expect(404);
      expect(response.body).toMatchObject({ statusCode: 404, code: 'not_found' });
    }
  });

  it('ships the browser copy of PeerCall built from packages/client/src/peer-call.ts', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', 'scripts', 'build-demo.mjs'), '--check']);
    expect(stdout).toContain('matches');
  });
});
