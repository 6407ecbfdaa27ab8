import { randomUUID } from 'node:crypto';
import { setImmediate as afterThisTurn } from 'node:timers/promises';
import { CallsService } from '../src/calls/calls.service';
import type { UserRole } from '../src/generated/prisma/client';
import { ConnectionRegistry } from '../src/realtime/connection-registry.service';
import type { RealtimeNotice } from '../src/realtime/realtime-notice';
import { UsersRepository } from '../src/users/users.repository';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * The call core's rules (CONTRACT.md §2) through CallsService itself, on a real database (PGlite,
 * or PostgreSQL when DATABASE_URL is set) and the real connection registry. The parties'
 * connections are registry entries that record what they are told; the e2e suites do the same
 * through real clients of every dialect.
 */
describe("the call core's rules", () => {
  let t: TestApp;
  let calls: CallsService;

  interface Party {
    id: string;
    actor: { userId: string; connectionId: string };
    heard: RealtimeNotice[];
  }

  /** A user with one live connection that records the notices it gets. */
  async function online(role: UserRole = 'student'): Promise<Party> {
    const id = randomUUID();
    await t.app
      .get(UsersRepository)
      .create({ id, email: `${id}@rules.test`, passwordHash: null, displayName: `user ${id.slice(0, 4)}`, role });
    const heard: RealtimeNotice[] = [];
    const connectionId = `rules-${id}`;
    await t.app.get(ConnectionRegistry).add({ id: connectionId, userId: id, dialect: 'test', deliver: (notice) => heard.push(notice) });
    return { id, actor: { userId: id, connectionId }, heard };
  }

  /** A user with no connection at all. */
  async function offline(role: UserRole = 'student'): Promise<string> {
    const id = randomUUID();
    await t.app.get(UsersRepository).create({ id, email: `${id}@rules.test`, passwordHash: null, displayName: 'away', role });
    return id;
  }

  const start = (from: Party, to: Party | string, extra: object = {}) =>
    calls.start(from.actor, { recipientUserId: typeof to === 'string' ? to : to.id, ...extra });
  const types = (party: Party) => party.heard.map((notice) => notice.type);

  beforeAll(async () => {
    t = await startTestApp();
    calls = t.app.get(CallsService);
  });
  afterAll(() => t.close());

  describe('busy', () => {
    it('a user in an open call is busy for every other caller, and free once it closes', async () => {
      const [ann, bob, cid] = await Promise.all([online(), online('mentor'), online()]);
      const { call } = await start(ann, bob);
      await expect(start(cid, bob)).rejects.toMatchObject({ code: 'user_busy' });
      await expect(start(cid, ann)).rejects.toMatchObject({ code: 'user_busy' });
      await expect(start(bob, cid)).rejects.toMatchObject({ code: 'user_busy' });
      await calls.accept(bob.actor, call.id);
      await expect(start(cid, bob)).rejects.toMatchObject({ code: 'user_busy' });
      await calls.hangUp(ann.actor, call.id);
      expect((await start(cid, bob)).call.status).toBe('CALLING');
    });

    it('of ten callers ringing one callee at the same moment, exactly one gets through', async () => {
      const callee = await online('mentor');
      const callers = await Promise.all(Array.from({ length: 10 }, () => online()));
      const results = await Promise.allSettled(callers.map((caller) => start(caller, callee)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(refused.map((r) => (r.reason as { code: string }).code)).toEqual(Array(9).fill('user_busy'));
      expect(types(callee).filter((type) => type === 'ringing')).toHaveLength(1);
    });
  });

  describe('glare', () => {
    it('two users calling each other at the same moment get one ACTIVE call, whichever start lands first', async () => {
      for (let round = 0; round < 10; round++) {
        const [ann, bob] = await Promise.all([online(), online('mentor')]);
        const [a, b] = await Promise.all([start(ann, bob), start(bob, ann)]);
        expect(a.call.id).toBe(b.call.id);
        expect([a.created, b.created].sort()).toEqual([false, true]);
        const answered = a.created ? b : a;
        expect(answered.call.status).toBe('ACTIVE');
        await calls.hangUp(ann.actor, a.call.id);
      }
    });

    it('is plain busy when the other user is ringing someone else', async () => {
      const [ann, bob, cid] = await Promise.all([online(), online('mentor'), online()]);
      await start(bob, cid);
      await expect(start(ann, bob)).rejects.toMatchObject({ code: 'user_busy' });
    });
  });

  describe('moves', () => {
    it('only the recipient accepts or declines, only the caller cancels, and a closed call moves no more', async () => {
      const [ann, bob] = await Promise.all([online(), online('mentor')]);
      const { call } = await start(ann, bob);
      await expect(calls.accept(ann.actor, call.id)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(calls.decline(ann.actor, call.id)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(calls.cancel(bob.actor, call.id)).rejects.toMatchObject({ code: 'forbidden' });
      expect((await calls.decline(bob.actor, call.id)).status).toBe('DECLINED');
      await expect(calls.accept(bob.actor, call.id)).rejects.toMatchObject({ code: 'invalid_state' });
      await expect(calls.hangUp(ann.actor, call.id)).rejects.toMatchObject({ code: 'invalid_state' });
    });

    it('an accept and a cancel at the same moment: exactly one happens, and each party hears of it once', async () => {
      for (let round = 0; round < 10; round++) {
        const [ann, bob] = await Promise.all([online(), online('mentor')]);
        const { call } = await start(ann, bob);
        const [accepted, cancelled] = await Promise.allSettled([calls.accept(bob.actor, call.id), calls.cancel(ann.actor, call.id)]);
        expect([accepted.status, cancelled.status].sort()).toEqual(['fulfilled', 'rejected']);
        const happened = accepted.status === 'fulfilled' ? 'accepted' : 'cancelled';
        // The mover's own connection is answered by its reply; the other party is told.
        const told = happened === 'accepted' ? ann : bob;
        await afterThisTurn();
        expect(types(told).filter((type) => type === 'accepted' || type === 'cancelled')).toEqual([happened]);
        const current = await calls.current(ann.id);
        if (current) await calls.hangUp(ann.actor, current.id);
      }
    });

    it('answering accepts the call that rings for you, and only that one', async () => {
      const [ann, bob] = await Promise.all([online(), online('mentor')]);
      expect(await calls.answerRinging(bob.actor)).toBeNull();
      const { call } = await start(ann, bob);
      expect(await calls.answerRinging(ann.actor)).toBeNull(); // the caller's own answer accepts nothing
      expect(await calls.answerRinging(bob.actor, randomUUID())).toBeNull(); // another call named
      expect(await calls.answerRinging(bob.actor, call.id)).toMatchObject({ id: call.id, status: 'ACTIVE' });
      expect(await calls.answerRinging(bob.actor, call.id)).toBeNull(); // accepted already: only relayed
    });
  });

  describe('starting', () => {
    it('refuses a recipient of another role than the caller names, and nothing is left busy', async () => {
      const [ann, bob] = await Promise.all([online(), online('mentor')]);
      await expect(start(ann, bob, { recipientRole: 'tutor' })).rejects.toMatchObject({
        code: 'validation_failed',
        details: { recipientRole: [expect.stringContaining('mentor')] },
      });
      expect(await calls.current(ann.id)).toBeNull();
      expect((await start(ann, bob, { recipientRole: 'mentor' })).call.status).toBe('CALLING');
    });

    it('a call to an offline user is MISSED; every connection of the caller hears it once, the starting one after its reply', async () => {
      const ann = await online();
      const otherDevice = { id: `rules-2-${ann.id}`, userId: ann.id, dialect: 'test', heard: [] as RealtimeNotice[] };
      await t.app.get(ConnectionRegistry).add({ ...otherDevice, deliver: (notice) => otherDevice.heard.push(notice) });
      const { call } = await start(ann, await offline('mentor'));
      expect(call.status).toBe('MISSED');
      // The chat's call record reaches both devices too; this is about the call notice.
      const missed = (heard: RealtimeNotice[]) => heard.filter((notice) => notice.type === 'missed');
      expect(missed(ann.heard)).toEqual([]); // its reply comes first
      expect(missed(otherDevice.heard)).toEqual([{ type: 'missed', call, reason: 'offline' }]);
      await afterThisTurn();
      expect(missed(ann.heard)).toEqual([{ type: 'missed', call, reason: 'offline' }]);
    });
  });
});
