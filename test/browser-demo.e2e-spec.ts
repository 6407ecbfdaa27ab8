import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
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
    peerCall: { peers: Map<string, { connection: RTCPeerConnection }> } | null;
    socket: { io: { engine: { close(): void } } };
  };
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
});
