import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import * as ts from 'typescript';
import type { CallView, Page as HistoryPage } from '@call-signaling/client';
import { launchBrowser } from './helpers/browser';
import { startTestApp, TestApp } from './helpers/test-app';

/** Short, so a page that goes for good ends its call within the test. */
const GRACE_MS = 2000;

/** Screenshots land in the ignored output folder, which CI keeps as artifacts. */
const SCREENSHOTS = join(__dirname, '..', 'out', 'browser-demo');

interface DemoWindow {
  demo: {
    token: string;
    peerCall: { peers: Map<string, { socketId: string; connection: RTCPeerConnection }> } | null;
    socket: { id?: string; connected: boolean; io: { engine: { close(): void } } };
  };
}

/** A socket.io-client stand-in in a page: answers each emit with `reply`, and the test speaks for the server. */
interface FakeSocket {
  sent: Array<{ event: string; payload: any }>;
  listeners(event: string): unknown[];
  hear(event: string, payload: unknown): void;
  /** Resolves once `event` has been emitted `times` times in all (rejects after 5 s). */
  emitted(event: string, times?: number): Promise<void>;
}

/** What `inPage` puts on a blank page's window. */
interface ClientWindow {
  clientRequire(name: string): any;
  fakeSocket(reply: (event: string, payload: any) => unknown): FakeSocket;
  socket: FakeSocket;
  unmount(): void;
}

const ROOT = join(__dirname, '..');

/**
 * The client package's sources, and React's development build (StrictMode mounts twice only
 * there), as CommonJS modules a page can `clientRequire`: PeerCall and useCall exercised in the
 * browser without a bundler. Plus `fakeSocket`.
 */
function inPage(): string {
  const client = (file: string) =>
    ts.transpileModule(readFileSync(join(ROOT, 'packages', 'client', 'src', file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
  const npm = (file: string) => readFileSync(join(ROOT, 'node_modules', file), 'utf8');
  const modules: Record<string, string> = {
    './peer-call.js': client('peer-call.ts'),
    './call-controller.js': client('call-controller.ts'),
    './react.js': client('react.ts'),
    react: npm('react/cjs/react.development.js'),
    'react-dom': npm('react-dom/cjs/react-dom.development.js'),
    'react-dom/client': npm('react-dom/cjs/react-dom-client.development.js'),
    scheduler: npm('scheduler/cjs/scheduler.development.js'),
  };
  const factories = Object.entries(modules).map(
    ([name, source]) => `${JSON.stringify(name)}: function (module, exports, require, process) {\n${source}\n}`,
  );
  return `(() => {
    const factories = {${factories.join(',\n')}};
    const process = { env: { NODE_ENV: 'development' } };
    const loaded = {};
    window.clientRequire = (name) => {
      if (!loaded[name]) {
        loaded[name] = { exports: {} };
        factories[name](loaded[name], loaded[name].exports, window.clientRequire, process);
      }
      return loaded[name].exports;
    };
    window.fakeSocket = (reply) => {
      const handlers = new Map();
      const waiting = [];
      const socket = {
        connected: false,
        sent: [],
        on(event, handler) {
          handlers.set(event, [...(handlers.get(event) ?? []), handler]);
          return socket;
        },
        off(event, handler) {
          handlers.set(event, (handlers.get(event) ?? []).filter((known) => known !== handler));
          return socket;
        },
        listeners: (event) => handlers.get(event) ?? [],
        hear: (event, payload) => (handlers.get(event) ?? []).forEach((handler) => handler(payload)),
        emitWithAck: async (event, payload) => {
          socket.sent.push({ event, payload });
          for (const waiter of waiting) if (waiter.event === event) waiter.done();
          return reply(event, payload);
        },
        emitted: (event, times = 1) =>
          new Promise((done, fail) => {
            const enough = () => socket.sent.filter((sent) => sent.event === event).length >= times;
            if (enough()) return done();
            waiting.push({ event, done: () => enough() && done() });
            setTimeout(() => fail(new Error('not emitted: ' + event)), 5000);
          }),
      };
      return socket;
    };
  })()`;
}

function tokenOf(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as DemoWindow).demo.token);
}

/** The ICE username fragment of this page's side of its peer connection: a new one means ICE restarted. */
function iceUfrag(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const [peer] = (window as unknown as DemoWindow).demo.peerCall?.peers.values() ?? [];
    return /a=ice-ufrag:(\S+)/.exec(peer?.connection.localDescription?.sdp ?? '')?.[1];
  });
}

/** Video frames this page decoded from its peers so far. */
function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let frames = 0;
    for (const peer of (window as unknown as DemoWindow).demo.peerCall?.peers.values() ?? []) {
      (await peer.connection.getStats()).forEach((report: { type: string; kind?: string; framesDecoded?: number }) => {
        if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
      });
    }
    return frames;
  });
}

/**
 * Polls until the page has decoded `atLeast` frames or `ms` pass. Chromium's getStats is a cached
 * snapshot, so right after the tenth frame is presented it can still report nine.
 */
async function framesDecodedWithin(page: Page, atLeast: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let frames = await framesDecoded(page);
  while (frames < atLeast && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    frames = await framesDecoded(page);
  }
  return frames;
}

/** One image of several pages, side by side: how the call looked from both ends at the same moment. */
async function sideBySide(pages: Page[], path: string): Promise<void> {
  const shots = await Promise.all(pages.map((page) => page.screenshot()));
  const canvas = await pages[0].context().newPage();
  await canvas.setViewportSize({ width: 1280 * pages.length, height: 720 });
  const images = shots.map((shot) => `<img style="width:1280px" src="data:image/png;base64,${shot.toString('base64')}">`).join('');
  await canvas.setContent(`<body style="margin:0;display:flex">${images}</body>`);
  await canvas.screenshot({ path });
  await canvas.close();
}

describe('demo page in a real browser (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ RECONNECT_GRACE_MS: String(GRACE_MS) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A blank page with the client package loaded (see `inPage`). */
  async function clientPage(): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(`client page: ${error.message}`));
    await page.evaluate(inPage());
    return page;
  }

  /** A new browser context per user: its own storage, like another person's machine. */
  async function register(name: string, role: 'student' | 'mentor'): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    await page.goto(`${t.url}/demo`);
    await page.fill('input[name=email]', `${name.toLowerCase()}-${Date.now()}@example.test`);
    await page.fill('input[name=password]', 'correct horse battery');
    await page.fill('input[name=displayName]', name);
    await page.selectOption('select[name=role]', role);
    await page.click('button[value=register]');
    await page.waitForSelector('body[data-state=idle]');
    return page;
  }

  /** The mentor goes available, the student calls them from the list, and the mentor's page rings. */
  async function ring(student: Page, mentor: Page, mentorName: string): Promise<void> {
    await mentor.click('#go-available');
    const call = student.locator('#mentors li', { hasText: mentorName }).getByRole('button', { name: 'Call' });
    await call.and(student.locator(':enabled')).waitFor();
    await call.click();
    await mentor.waitForSelector('body[data-state=ringing]');
  }

  it('places a call between two pages: both connect, video flows both ways, toggles and chat arrive, history records it', async () => {
    const mentor = await register('Maya', 'mentor');
    const student = await register('Sam', 'student');

    await ring(student, mentor, 'Maya');
    expect(await mentor.textContent('#ringing-text')).toBe('Sam is calling (video)');
    await mentor.click('#accept');

    for (const page of [student, mentor]) await page.waitForSelector('body[data-connection=connected]', { timeout: 20000 });
    for (const page of [student, mentor]) {
      await page.waitForFunction(() => {
        const video = document.getElementById('remote-video') as HTMLVideoElement;
        return video.videoWidth > 0 && video.currentTime > 0;
      });
    }
    for (const page of [student, mentor]) {
      // Each frame the remote <video> presents calls back: wait for the tenth, then count what WebRTC decoded.
      await page.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const video = document.getElementById('remote-video') as HTMLVideoElement;
            const timer = setTimeout(() => reject(new Error('fewer than 10 remote video frames in 10 s')), 10000);
            const onFrame = (_now: number, frame: { presentedFrames: number }) => {
              if (frame.presentedFrames >= 10) {
                clearTimeout(timer);
                resolve();
              } else video.requestVideoFrameCallback(onFrame);
            };
            video.requestVideoFrameCallback(onFrame);
          }),
      );
      expect(await framesDecodedWithin(page, 10, 5000)).toBeGreaterThanOrEqual(10);
    }

    mkdirSync(SCREENSHOTS, { recursive: true });
    await student.screenshot({ path: join(SCREENSHOTS, 'caller-student.png'), fullPage: true });
    await mentor.screenshot({ path: join(SCREENSHOTS, 'callee-mentor.png'), fullPage: true });
    await sideBySide([student, mentor], join(SCREENSHOTS, 'call-both-pages.png'));

    await student.click('#toggle-camera');
    await mentor.waitForSelector('#remote-label:has-text("Sam (camera off)")');
    // Camera off and muted: both show.
    await student.click('#toggle-mic');
    await mentor.waitForSelector('#remote-label:has-text("Sam (camera off) (muted)")');
    await student.click('#toggle-mic');
    await mentor.waitForSelector('#remote-label:text-is("Sam (camera off)")');

    await student.fill('#chat-form input[name=text]', 'Can you see my fractions?');
    await student.press('#chat-form input[name=text]', 'Enter');
    await mentor.waitForSelector('#messages li:has-text("Sam: Can you see my fractions?")');

    await student.click('#hang-up');
    for (const page of [student, mentor]) {
      await page.waitForSelector('body[data-state=idle]');
      await page.waitForSelector('#history li[data-status=ENDED]');
    }
    const token = await mentor.evaluate(() => (window as unknown as DemoWindow).demo.token);
    const history = (await request(t.url).get('/calls/user/history').set('Authorization', `Bearer ${token}`).expect(200))
      .body as HistoryPage<CallView>;
    expect(history.items[0]).toMatchObject({
      status: 'ENDED',
      endReason: 'ended_by_api',
      host: { displayName: 'Sam' },
      recipient: { displayName: 'Maya' },
    });

    // The mentor sees the student among the people they have talked to, online.
    await mentor.waitForSelector('#people li[data-online=true]:has-text("Sam (student)")');
    // The mentor calls the student back from the recent calls.
    await mentor.click('#history li[data-status=ENDED] button:has-text("Call back")');
    await student.waitForSelector('body[data-state=ringing]');
    expect(await student.textContent('#ringing-text')).toBe('Maya is calling (video)');
    await student.click('#decline');
    await mentor.waitForSelector('#history li[data-status=DECLINED]');
    expect(pageErrors).toEqual([]);
  }, 90000);

  it('shows "reconnecting…" when the other page loses its network, and recovers media with an ICE restart', async () => {
    const mentor = await register('Iris', 'mentor');
    const student = await register('Theo', 'student');
    await ring(student, mentor, 'Iris');
    await mentor.click('#accept');
    for (const page of [student, mentor]) await page.waitForSelector('body[data-connection=connected]', { timeout: 20000 });
    const [studentUfrag, mentorUfrag] = [await iceUfrag(student), await iceUfrag(mentor)];
    expect(studentUfrag && mentorUfrag).toBeTruthy();
    // Marked, to tell the same peer connection restarted from a new one made in its place.
    const markConnection = () => {
      const [peer] = (window as unknown as DemoWindow).demo.peerCall?.peers.values() ?? [];
      Object.assign(peer.connection, { fromBeforeTheDrop: true });
    };
    for (const page of [student, mentor]) await page.evaluate(markConnection);

    // The student's network drops: the socket closes under the page, and socket.io-client reconnects by itself.
    await student.evaluate(() => (window as unknown as DemoWindow).demo.socket.io.engine.close());
    await mentor.waitForSelector('body[data-peer=reconnecting]');
    expect(await mentor.textContent('#call-status')).toBe('Theo is reconnecting…');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await mentor.screenshot({ path: join(SCREENSHOTS, 'peer-reconnecting.png'), fullPage: true });
    // Back within the grace: the mentor hears so, the student asks for an ICE restart, and both
    // sides of the same peer connection take fresh ICE credentials.
    await mentor.waitForSelector('body[data-peer=back]', { timeout: 10000 });
    for (const [page, before] of [
      [student, studentUfrag],
      [mentor, mentorUfrag],
    ] as const) {
      await page.waitForFunction(
        (old) => {
          const [peer] = (window as unknown as DemoWindow).demo.peerCall?.peers.values() ?? [];
          const now = /a=ice-ufrag:(\S+)/.exec(peer?.connection.localDescription?.sdp ?? '')?.[1];
          const same = (peer?.connection as unknown as { fromBeforeTheDrop?: boolean } | undefined)?.fromBeforeTheDrop === true;
          return same && now !== undefined && now !== old && peer.connection.connectionState === 'connected';
        },
        before,
        { timeout: 20000 },
      );
    }
    // Media flows on over the restarted connection, both ways, and the call is the same one.
    for (const page of [student, mentor]) {
      const frames = await framesDecoded(page);
      expect(await framesDecodedWithin(page, frames + 10, 10000)).toBeGreaterThanOrEqual(frames + 10);
    }
    expect(await mentor.getAttribute('body', 'data-state')).toBe('in-call');
    await student.click('#hang-up');
    await mentor.waitForSelector('body[data-state=idle]');
    expect(pageErrors).toEqual([]);
  }, 90000);

  it('books a session with a length, shows when it ends, and moves the end when more time is granted', async () => {
    const mentor = await register('Lena', 'mentor');
    const student = await register('Omar', 'student');
    await student.selectOption('#call-length', '900');
    await ring(student, mentor, 'Lena');
    await mentor.click('#accept');
    for (const page of [student, mentor]) await page.waitForSelector('#call-limit:not([hidden])');
    const endsAt = async (page: Page) =>
      Date.parse(
        (
          await request(t.url)
            .get('/calls/user/current')
            .set('Authorization', `Bearer ${await tokenOf(page)}`)
        ).body.endsAt,
      );
    const before = await endsAt(student);
    expect(before).toBeGreaterThan(Date.now() + 14 * 60_000);

    await student.click('#more-time');
    await mentor.waitForSelector('#extension:not([hidden])');
    expect(await mentor.textContent('#extension-text')).toBe('Omar asks for 10 more minutes');
    await mentor.click('#grant-extension');
    for (const page of [student, mentor]) await page.waitForSelector('#notice:has-text("10 more minutes granted")');
    expect(await endsAt(mentor)).toBe(before + 600_000);
    await expect(student.isHidden('#extension')).resolves.toBe(true);
    await student.click('#hang-up');
    await mentor.waitForSelector('body[data-state=idle]');
    expect(pageErrors).toEqual([]);
  }, 90000);

  it('queues students for help with their place, and the mentor of the topic takes one and calls', async () => {
    const mentor = await register('Iris', 'mentor');
    await mentor.fill('#subjects-form input[name=subjects]', 'Photosynthesis, Cells');
    await mentor.click('#subjects-form button');
    await mentor.waitForSelector('#notice:has-text("now come to you first")');
    const topic = `photosynthesis ${Date.now()}`;
    const first = await register('Yuki', 'student');
    const second = await register('Zane', 'student');
    for (const [page, n] of [
      [first, 1],
      [second, 2],
    ] as const) {
      await page.fill('#help-form input[name=topic]', topic);
      await page.click('#help-form button');
      await page.waitForSelector(`#help-status:has-text("You are #${n} of ${n} in line")`);
    }
    await first.waitForSelector('#help-status:has-text("You are #1 of 2 in line")');
    await mentor.waitForSelector(`#help-count:has-text("2 waiting: ${topic} (2)")`);

    await mentor.locator('#help-requests li', { hasText: 'Yuki' }).getByRole('button', { name: 'Take' }).click();
    await first.waitForSelector('#help-status:has-text("Iris will call you by")');
    await second.waitForSelector('#help-status:has-text("You are #1 of 1 in line")');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await sideBySide([mentor, first, second], join(SCREENSHOTS, 'help-queue.png'));

    await mentor.locator('#help-requests li', { hasText: 'Yuki' }).getByRole('button', { name: 'Call Yuki' }).click();
    await first.waitForSelector('body[data-state=ringing]');
    await first.click('#accept');
    await first.waitForSelector('#help-status:has-text("In a session with Iris")');
    const { body: mine } = await request(t.url)
      .get('/help-requests')
      .set('Authorization', `Bearer ${await tokenOf(first)}`)
      .expect(200);
    expect(mine).toEqual([expect.objectContaining({ topic, status: 'fulfilled', callId: expect.any(String) })]);
    await first.click('#hang-up');
    await mentor.waitForSelector('body[data-state=idle]');
    await second.click('#help-cancel');
    await second.waitForSelector('#help-status:has-text("Request withdrawn")');
    expect(pageErrors).toEqual([]);
  }, 90000);

  it('carries on when a page reloads mid-call, and ends the call when a page goes for good', async () => {
    const mentor = await register('Noor', 'mentor');
    const student = await register('Ravi', 'student');
    await ring(student, mentor, 'Noor');
    await mentor.click('#accept');
    for (const page of [student, mentor]) await page.waitForSelector('body[data-connection=connected]', { timeout: 20000 });
    const before = await framesDecodedWithin(mentor, 1, 5000);

    // The student's tab reloads: it hears of its call, rejoins, and video flows again both ways.
    await student.reload();
    await student.waitForSelector('body[data-state=in-call]');
    for (const page of [student, mentor]) await page.waitForSelector('body[data-connection=connected]', { timeout: 20000 });
    expect(await framesDecodedWithin(student, 10, 10000)).toBeGreaterThanOrEqual(10);
    expect(await framesDecodedWithin(mentor, before + 10, 10000)).toBeGreaterThan(before);

    // The student's tab closes: past the grace the mentor's call ends, and the mentor is free.
    await student.close();
    await mentor.waitForSelector('body[data-state=idle]', { timeout: GRACE_MS + 10000 });
    await mentor.waitForSelector('#history li[data-status=ENDED]');
    const token = await mentor.evaluate(() => (window as unknown as DemoWindow).demo.token);
    const history = (await request(t.url).get('/calls/user/history').set('Authorization', `Bearer ${token}`).expect(200))
      .body as HistoryPage<CallView>;
    expect(history.items[0]).toMatchObject({ status: 'ENDED', endReason: 'connection_lost' });
    expect(pageErrors).toEqual([]);
  }, 90000);

  it('recovers media when both pages come back on new sockets at once, as after a server restart', async () => {
    const mentor = await register('Vera', 'mentor');
    const student = await register('Jonas', 'student');
    await ring(student, mentor, 'Vera');
    await mentor.click('#accept');
    for (const page of [student, mentor]) await page.waitForSelector('body[data-connection=connected]', { timeout: 20000 });
    const socketOf = (page: Page) => page.evaluate(() => (window as unknown as DemoWindow).demo.socket.id);
    const before = new Map([
      [student, await socketOf(student)],
      [mentor, await socketOf(mentor)],
    ]);

    // Both networks drop together: each page comes back on a new socket and knows the other only by
    // its old one, which the server no longer has (an ICE restart asked of it is refused).
    await Promise.all(
      [student, mentor].map((page) => page.evaluate(() => (window as unknown as DemoWindow).demo.socket.io.engine.close())),
    );
    for (const page of [student, mentor]) {
      await page.waitForFunction(
        (old) => {
          const { socket } = (window as unknown as DemoWindow).demo;
          return socket.connected && socket.id !== old;
        },
        before.get(page),
        { timeout: 10000 },
      );
    }
    const now = new Map([
      [student, await socketOf(student)],
      [mentor, await socketOf(mentor)],
    ]);
    // Each side ends up with one connection, to the other's new socket, connected; video flows again.
    for (const [page, other] of [
      [student, mentor],
      [mentor, student],
    ] as const) {
      await page.waitForFunction(
        (otherSocket) => {
          const peers = [...((window as unknown as DemoWindow).demo.peerCall?.peers.values() ?? [])];
          return peers.length === 1 && peers[0].socketId === otherSocket && peers[0].connection.connectionState === 'connected';
        },
        now.get(other),
        { timeout: 20000 },
      );
    }
    for (const page of [student, mentor]) expect(await framesDecodedWithin(page, 10, 10000)).toBeGreaterThanOrEqual(10);
    // Past the grace, when the server lets the old sockets go, the call goes on.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 1000));
    for (const page of [student, mentor]) expect(await page.getAttribute('body', 'data-state')).toBe('in-call');
    await student.click('#hang-up');
    await mentor.waitForSelector('body[data-state=idle]');
    expect(pageErrors).toEqual([]);
  }, 90000);

  it('turns the camera off after a refused start, keeps ringing while the camera is refused, and stops ringing on glare', async () => {
    const mentor = await register('Ines', 'mentor');
    const student = await register('Kai', 'student');
    await ring(student, mentor, 'Ines');

    // Another student calls the mentor, who is being rung: refused as busy, and their camera goes off again.
    const other = await register('Lou', 'student');
    await other.evaluate(() => {
      // Every track the page is handed, to tell whether it stopped them.
      const devices = navigator.mediaDevices;
      const grant = devices.getUserMedia.bind(devices);
      const handedOut: MediaStreamTrack[] = [];
      Object.assign(window, { handedOut });
      devices.getUserMedia = async (constraints) => {
        const stream = await grant(constraints);
        handedOut.push(...stream.getTracks());
        return stream;
      };
    });
    const call = other.locator('#mentors li', { hasText: 'Ines' }).getByRole('button', { name: 'Call' });
    await call.and(other.locator(':enabled')).waitFor();
    await call.click();
    await other.waitForSelector('#notice[data-kind=error]');
    const handedOut = () => (window as unknown as { handedOut: MediaStreamTrack[] }).handedOut.map((track) => track.readyState);
    expect(await other.evaluate(handedOut)).toEqual(['ended', 'ended']);

    // The mentor's camera is refused: the call still rings, and can still be declined.
    await mentor.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await mentor.click('#accept');
    await mentor.waitForSelector('#notice[data-kind=error]:has-text("Permission denied")');
    expect(await mentor.isVisible('#ringing')).toBe(true);
    expect(await mentor.getAttribute('body', 'data-state')).toBe('ringing');
    await mentor.click('#decline');
    for (const page of [student, mentor]) await page.waitForSelector('#history li[data-status=DECLINED]');

    // Glare: the student calls again, and the mentor, rung, calls the student back from the history:
    // that answers the student's call, and the ringing goes.
    await mentor.evaluate(() => delete (navigator.mediaDevices as unknown as { getUserMedia?: unknown }).getUserMedia); // granted again
    const again = student.locator('#mentors li', { hasText: 'Ines' }).getByRole('button', { name: 'Call' });
    await again.and(student.locator(':enabled')).waitFor();
    await again.click();
    await mentor.waitForSelector('body[data-state=ringing]');
    await mentor.click('#history li[data-status=DECLINED] button:has-text("Call back")');
    for (const page of [student, mentor]) await page.waitForSelector('body[data-connection=connected]', { timeout: 20000 });
    expect(await mentor.isHidden('#ringing')).toBe(true);
    expect(await mentor.getAttribute('body', 'data-state')).toBe('in-call');
    await mentor.click('#hang-up');
    await student.waitForSelector('body[data-state=idle]');
    expect(pageErrors).toEqual([]);
  }, 90000);

  it('PeerCall answers an offer even when a candidate that came before it is one the browser refuses', async () => {
    const page = await clientPage();
    const outcome = await page.evaluate(async () => {
      const w = window as unknown as ClientWindow;
      const { PeerCall } = w.clientRequire('./peer-call.js');
      const joined = { ok: true, callId: 'call', userId: 'me', socketId: 'mine', participants: [] };
      const socket = w.fakeSocket((event) => (event === 'joinCall' ? joined : { ok: true }));
      const errors: string[] = [];
      const call = new PeerCall({
        socket,
        callId: 'call',
        localStream: new MediaStream(),
        onError: (error: Error) => errors.push(error.name),
      });
      await call.join();
      const remote = new RTCPeerConnection();
      remote.addTransceiver('audio');
      await remote.setLocalDescription(await remote.createOffer());
      const from = { callId: 'call', senderId: 'theirs', userId: 'them' };
      // Sent before the offer, so kept until it: a candidate line no browser can parse.
      socket.hear('iceCandidate', { ...from, candidate: { candidate: 'candidate:not a candidate', sdpMid: '0' } });
      socket.hear('offer', { ...from, offer: remote.localDescription!.toJSON() });
      await socket.emitted('answer');
      call.close();
      remote.close();
      return { sent: socket.sent.map(({ event }) => event), errors };
    });
    await page.close();
    expect(outcome.sent).toContain('answer');
    // The refused candidate is told, not thrown.
    expect(outcome.errors).toHaveLength(1);
  });

  it("PeerCall's resume drops a peer whose socket is gone too, and offers to that user's new socket", async () => {
    const page = await clientPage();
    const outcome = await page.evaluate(async () => {
      const w = window as unknown as ClientWindow;
      const { PeerCall } = w.clientRequire('./peer-call.js');
      // The server after a restart: the room has their new socket, and may still list their old one
      // for the grace; an ICE restart asked of the old one is refused.
      let restarted = false;
      const participant = (socketId: string) => ({ socketId, userId: 'them', userName: 'Them', hasVideo: false, hasAudio: true });
      const socket = w.fakeSocket((event) => {
        if (event === 'iceRestart') return { ok: false, error: { code: 'not_found', message: 'No such connection in a call of yours' } };
        if (event !== 'joinCall') return { ok: true };
        const participants = restarted ? [participant('theirs-before'), participant('theirs-now')] : [];
        return { ok: true, callId: 'call', userId: 'me', socketId: restarted ? 'mine-now' : 'mine-before', participants };
      });
      const left: string[] = [];
      const errors: string[] = [];
      const call = new PeerCall({
        socket,
        callId: 'call',
        localStream: new MediaStream(),
        onPeerLeft: (peer: { socketId: string }) => left.push(peer.socketId),
        onError: (error: Error) => errors.push(error.message),
      });
      await call.join();
      // Their offer, answered: one peer, at their socket as it was.
      const remote = new RTCPeerConnection();
      remote.addTransceiver('audio');
      await remote.setLocalDescription(await remote.createOffer());
      socket.hear('offer', { callId: 'call', senderId: 'theirs-before', userId: 'them', offer: remote.localDescription!.toJSON() });
      await socket.emitted('answer');
      const [{ connection: before }] = [...call.peers.values()];

      restarted = true;
      await call.resume();
      const outcome = {
        beforeClosed: before.signalingState === 'closed',
        peers: [...call.peers.keys()],
        askedToRestart: socket.sent.filter(({ event }) => event === 'iceRestart').map(({ payload }) => payload.targetSocketId),
        offeredTo: socket.sent.filter(({ event }) => event === 'offer').map(({ payload }) => payload.targetSocketId),
        left,
        errors,
      };
      call.close();
      remote.close();
      return outcome;
    });
    await page.close();
    expect(outcome).toEqual({
      beforeClosed: true,
      peers: ['theirs-now'],
      askedToRestart: ['theirs-before'],
      offeredTo: ['theirs-now'],
      left: [],
      errors: [],
    });
  });

  it('PeerCall answers a new session of the same user on a new connection, and offers once to a user the room lists twice', async () => {
    const page = await clientPage();
    const outcome = await page.evaluate(async () => {
      const w = window as unknown as ClientWindow;
      const { PeerCall } = w.clientRequire('./peer-call.js');
      const participant = (socketId: string) => ({ socketId, userId: 'them', userName: 'Them', hasVideo: false, hasAudio: true });
      // Joining, the room lists their new socket and their old one (kept for the grace).
      const joined = { ok: true, callId: 'call', userId: 'me', socketId: 'mine', participants: [participant('new'), participant('old')] };
      const socket = w.fakeSocket((event) => (event === 'joinCall' ? joined : { ok: true }));
      const call = new PeerCall({ socket, callId: 'call', localStream: new MediaStream() });
      await call.join();
      const offeredTo = socket.sent.filter(({ event }) => event === 'offer').map(({ payload }) => payload.targetSocketId);
      const peersAfterJoin = [...call.peers.keys()];
      // Then their side starts over (a new RTCPeerConnection, a new socket) and offers.
      const offerFrom = async (senderId: string) => {
        const remote = new RTCPeerConnection();
        remote.addTransceiver('audio');
        await remote.setLocalDescription(await remote.createOffer());
        const answers = socket.sent.filter(({ event }) => event === 'answer').length;
        socket.hear('offer', { callId: 'call', senderId, userId: 'them', offer: remote.localDescription!.toJSON() });
        await socket.emitted('answer', answers + 1);
        return remote;
      };
      // They answer the offer: a session with them is set up.
      const [{ connection: first }] = [...call.peers.values()];
      const before = new RTCPeerConnection();
      await before.setRemoteDescription(socket.sent.find(({ event }) => event === 'offer')!.payload.signal);
      await before.setLocalDescription(await before.createAnswer());
      socket.hear('answer', { callId: 'call', senderId: 'new', userId: 'them', answer: before.localDescription!.toJSON() });
      while (first.signalingState !== 'stable')
        await new Promise((settled) => first.addEventListener('signalingstatechange', settled, { once: true }));
      const remotes = [before, await offerFrom('newer')];
      const [{ connection: second }] = [...call.peers.values()];
      // The same session again (an ICE restart, say) keeps the connection.
      const again = remotes[1];
      await again.setLocalDescription(await again.createOffer({ iceRestart: true }));
      const answers = socket.sent.filter(({ event }) => event === 'answer').length;
      socket.hear('offer', { callId: 'call', senderId: 'newer', userId: 'them', offer: again.localDescription!.toJSON() });
      await socket.emitted('answer', answers + 1);
      const [{ connection: third }] = [...call.peers.values()];
      const result = {
        offeredTo,
        peersAfterJoin,
        peers: [...call.peers.keys()],
        replaced: first !== second,
        firstClosed: first.signalingState === 'closed',
        keptForTheSameSession: second === third,
      };
      call.close();
      for (const remote of remotes) remote.close();
      return result;
    });
    await page.close();
    expect(outcome).toEqual({
      offeredTo: ['new'],
      peersAfterJoin: ['new'],
      peers: ['newer'],
      replaced: true,
      firstClosed: true,
      keptForTheSameSession: true,
    });
  });

  it('PeerCall does not rejoin a call it left while asking for ICE restarts', async () => {
    const page = await clientPage();
    const sent = await page.evaluate(async () => {
      const w = window as unknown as ClientWindow;
      const { PeerCall } = w.clientRequire('./peer-call.js');
      const joined = { ok: true, callId: 'call', userId: 'me', socketId: 'mine', participants: [] };
      let answerRestart!: (reply: unknown) => void;
      const socket = w.fakeSocket((event) => {
        if (event === 'iceRestart') return new Promise((done) => (answerRestart = done));
        return event === 'joinCall' ? joined : { ok: true };
      });
      const call = new PeerCall({ socket, callId: 'call', localStream: new MediaStream() });
      await call.join();
      const remote = new RTCPeerConnection();
      remote.addTransceiver('audio');
      await remote.setLocalDescription(await remote.createOffer());
      socket.hear('offer', { callId: 'call', senderId: 'theirs', userId: 'them', offer: remote.localDescription!.toJSON() });
      await socket.emitted('answer');
      const resuming = call.resume().catch((error: Error) => error.message);
      await socket.emitted('iceRestart');
      await call.leave();
      answerRestart({ ok: true });
      const outcome = await resuming;
      remote.close();
      return { events: socket.sent.map(({ event }) => event), outcome };
    });
    await page.close();
    expect(sent.events).toEqual(['joinCall', 'answer', 'iceRestart', 'leaveCall']);
    expect(sent.outcome).toBe('This call was closed');
  });

  it('useCall acts from an effect of the component that uses it, in the commit that mounts it', async () => {
    const page = await clientPage();
    await page.evaluate(() => {
      const w = window as unknown as ClientWindow;
      const React = w.clientRequire('react');
      const { createRoot } = w.clientRequire('react-dom/client');
      const { useCall } = w.clientRequire('./react.js');
      w.socket = w.fakeSocket((event) => (event === 'startCall' ? { ok: true, call: { id: 'call', status: 'CALLING' } } : { ok: true }));
      const options = { socket: w.socket, userId: 'me', serverUrl: 'http://calls.invalid', token: 'token' };
      function Caller() {
        const call = useCall(options);
        React.useEffect(() => {
          call.start('them').then(
            () => (document.body.dataset.started = 'yes'),
            (error: Error) => (document.body.dataset.started = error.message),
          );
        }, []);
        return null;
      }
      createRoot(document.body.appendChild(document.createElement('div'))).render(React.createElement(Caller));
    });
    await page.waitForFunction(() => document.body.dataset.started !== undefined, undefined, { timeout: 5000 });
    expect(await page.evaluate(() => document.body.dataset.started)).toBe('yes');
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('useCall keeps its controller working under React StrictMode (mount, unmount, mount again)', async () => {
    const page = await clientPage();
    await page.evaluate(() => {
      const w = window as unknown as ClientWindow;
      const React = w.clientRequire('react');
      const { createRoot } = w.clientRequire('react-dom/client');
      const { useCall } = w.clientRequire('./react.js');
      w.socket = w.fakeSocket(() => ({ ok: true }));
      const options = { socket: w.socket, userId: 'me', serverUrl: 'http://calls.invalid', token: 'token' };
      function Probe() {
        const call = useCall(options);
        React.useEffect(() => {
          document.body.dataset.phase = call.phase;
        });
        return null;
      }
      const root = createRoot(document.body.appendChild(document.createElement('div')));
      w.unmount = () => root.unmount();
      root.render(React.createElement(React.StrictMode, null, React.createElement(Probe)));
    });
    // Rendered, with StrictMode's mount, unmount and mount done: one controller listens.
    await page.waitForFunction(
      () => document.body.dataset.phase === 'idle' && (window as unknown as ClientWindow).socket.listeners('incomingCall').length > 0,
    );
    expect(await page.evaluate(() => (window as unknown as ClientWindow).socket.listeners('incomingCall').length)).toBe(1);
    await page.evaluate(() =>
      (window as unknown as ClientWindow).socket.hear('incomingCall', {
        callId: 'call',
        caller: { userId: 'them', name: 'Ada', avatarUrl: null },
        timestamp: new Date().toISOString(),
        hasVideo: true,
      }),
    );
    await page.waitForFunction(() => document.body.dataset.phase === 'incoming', undefined, { timeout: 5000 });
    // Unmounted for good: the controller is closed and stops listening.
    await page.evaluate(() => (window as unknown as ClientWindow).unmount());
    await page.waitForFunction(() => (window as unknown as ClientWindow).socket.listeners('incomingCall').length === 0, undefined, {
      timeout: 5000,
    });
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
