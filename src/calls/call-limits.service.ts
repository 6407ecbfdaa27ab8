import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { ExtensionRequestView } from '@call-signaling/client';
import { randomUUID } from 'node:crypto';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { SHARED_TIMERS, SharedTimers } from '../cluster/shared-timers';
import { inBackground } from '../common/background';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import type { LimitNotice } from '../realtime/realtime-notice';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { isOpen } from './call-state';
import { CallView, endsAt, partyIdsOf, toCallView } from './call.presenter';
import type { Actor } from './calls.service';
import { CallsService } from './calls.service';
import { CallsRepository } from './calls.repository';

const WARNING = 'limit-warning';
const END = 'limit-end';
/** How long a request to extend waits for the other party's answer. */
export const EXTENSION_TTL_MS = 60_000;
/** A warning this far off its moment was armed for an end that has moved since (an extension). */
const STALE_WARNING_MS = 2_000;

const requestKey = (callId: string) => `limit-extension:${callId}`;
const answerKey = (requestId: string) => `limit-extension-answer:${requestId}`;

interface ExtensionRequest {
  id: string;
  byUserId: string;
  extraS: number;
  expiresAt: string;
}

/**
 * A call's length limit (ext): `maxDurationS` from its answer, with a warning to both parties at
 * each of CALL_LIMIT_WARNINGS_S before the end, the end itself (`time_limit`), and extensions one
 * party asks for and the other grants or refuses. Its timers are shared: each fires once in the
 * deployment.
 */
@Injectable()
export class CallLimits implements OnApplicationBootstrap {
  constructor(
    private readonly repository: CallsRepository,
    private readonly calls: CallsService,
    private readonly registry: ConnectionRegistry,
    private readonly webhooks: WebhookOutbox,
    @Inject(SHARED_STATE) private readonly state: SharedState,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    timers.handle(WARNING, (id) => this.warn(id));
    timers.handle(END, (callId) => this.end(callId));
  }

  /** An answered call with a limit gets its timers; a closed one loses them. */
  @OnAppEvent('call.moved')
  moved({ call }: AppEventMap['call.moved']): void {
    if (call.status === 'ACTIVE' && call.endsAt) inBackground('arming a call limit', this.arm(call.id, Date.parse(call.endsAt)));
    // Only an answered call had them: one closed unanswered has none to disarm.
    else if (!isOpen(call.status) && call.endsAt) inBackground('disarming a call limit', this.disarm(call.id));
  }

  /** Timers lost with the shared state (or a restart of one instance) are armed again. */
  @OnAppEvent('connections.rebooked')
  rebooked(): void {
    inBackground('re-arming call limits', this.onApplicationBootstrap());
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const call of await this.repository.findActiveWithLimit()) await this.arm(call.id, endsAt(call)!.getTime());
  }

  /** A party asks for `extraS` more seconds; the other party hears it and has EXTENSION_TTL_MS to answer. */
  async requestExtension(actor: Actor, callId: string, extraS: number): Promise<ExtensionRequestView> {
    const call = await this.activeLimited(actor, callId);
    const request: ExtensionRequest = {
      id: randomUUID(),
      byUserId: actor.userId,
      extraS,
      expiresAt: new Date(Date.now() + EXTENSION_TTL_MS).toISOString(),
    };
    if (!(await this.state.setExpiring(requestKey(callId), JSON.stringify(request), EXTENSION_TTL_MS, true))) {
      throw new AppError('invalid_state', 'An extension of this call is already waiting for an answer');
    }
    const view: ExtensionRequestView = { callId, byUserId: actor.userId, extraS, expiresAt: request.expiresAt };
    await this.webhooks.add([{ type: 'call.extension_requested', orderingKey: callId, data: view }]);
    const other = partyIdsOf(call).filter((id) => id !== actor.userId);
    this.tell(other, { type: 'extension-requested', ...view });
    return view;
  }

  /** The other party grants the extension asked (the call's end moves) or refuses it; exactly one answer counts. */
  async answerExtension(actor: Actor, callId: string, accepted: boolean): Promise<CallView> {
    const call = await this.activeLimited(actor, callId);
    const json = await this.state.get(requestKey(callId));
    if (!json) throw new AppError('invalid_state', 'No extension of this call is waiting for an answer');
    const request = JSON.parse(json) as ExtensionRequest;
    if (request.byUserId === actor.userId) throw new AppError('forbidden', 'The other party answers your request to extend');
    if (!(await this.state.setExpiring(answerKey(request.id), actor.userId, EXTENSION_TTL_MS, true))) {
      throw new AppError('invalid_state', 'This extension was already answered');
    }
    await this.state.del(requestKey(callId));
    const answer = { callId, byUserId: actor.userId, accepted, extraS: request.extraS };
    let after = call;
    if (accepted) {
      const extended = await this.webhooks.withEvents(
        (db) => this.repository.extend(callId, request.extraS, db),
        (row) => (row ? [{ type: 'call.extended', orderingKey: callId, data: { ...answer, maxDurationS: row.maxDurationS } }] : []),
      );
      if (!extended) throw new AppError('invalid_state', 'The call is no longer in progress');
      after = toCallView(extended);
      await this.arm(callId, Date.parse(after.endsAt!));
    } else {
      await this.webhooks.add([
        { type: 'call.extension_declined', orderingKey: callId, data: { ...answer, maxDurationS: call.maxDurationS } },
      ]);
    }
    this.tell(partyIdsOf(after), { type: 'extension-answered', ...answer, endsAt: after.endsAt, maxDurationS: after.maxDurationS });
    return after;
  }

  private async activeLimited(actor: Actor, callId: string): Promise<CallView> {
    const call = await this.calls.getForParty(actor.userId, callId);
    if (call.status !== 'ACTIVE')
      throw new AppError('invalid_state', `The call is ${call.status}: only a call in progress can be extended`);
    if (call.maxDurationS === null) throw new AppError('invalid_state', 'This call has no time limit to extend');
    return call;
  }

  /** Arms the end at `endsAtMs` and each warning still ahead of it; a warning already behind it is disarmed. */
  private async arm(callId: string, endsAtMs: number): Promise<void> {
    const now = Date.now();
    await this.timers.schedule(END, callId, Math.max(0, endsAtMs - now));
    for (const seconds of this.config.calls.limitWarningsS) {
      const at = endsAtMs - seconds * 1000;
      if (at > now) await this.timers.schedule(WARNING, `${callId}:${seconds}`, at - now);
      else await this.timers.cancel(WARNING, `${callId}:${seconds}`);
    }
  }

  private async disarm(callId: string): Promise<void> {
    await this.timers.cancel(END, callId);
    for (const seconds of this.config.calls.limitWarningsS) await this.timers.cancel(WARNING, `${callId}:${seconds}`);
  }

  private async warn(id: string): Promise<void> {
    const [callId, seconds] = id.split(':');
    const secondsLeft = Number(seconds);
    const call = await this.repository.findById(callId);
    const end = call?.status === 'ACTIVE' ? endsAt(call) : null;
    if (!call || !end || Math.abs(end.getTime() - secondsLeft * 1000 - Date.now()) > STALE_WARNING_MS) return;
    const warning = { callId, secondsLeft, endsAt: end.toISOString() };
    await this.webhooks.add([{ type: 'call.time_warning', orderingKey: callId, data: warning }]);
    this.tell(partyIdsOf(call), { type: 'time-warning', ...warning });
  }

  private async end(callId: string): Promise<void> {
    const call = await this.repository.findById(callId);
    const end = call?.status === 'ACTIVE' ? endsAt(call) : null;
    if (!end) return;
    // Extended meanwhile, or armed for an end read before the extension (an instance starting):
    // armed again for the end the call has now.
    if (end.getTime() > Date.now()) return this.arm(callId, end.getTime());
    await this.calls.endByServer(callId, 'time_limit');
  }

  private tell(userIds: string[], notice: LimitNotice): void {
    this.registry.sendToUsers(userIds, notice);
  }
}
