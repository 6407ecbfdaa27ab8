import type { Call, CallParticipant, User } from '../generated/prisma/client';
import { ProfileUser, toPublicProfile } from '../users/user.presenter';
import type { CallView } from '@call-signaling/client';

export type { CallView };

/** What a call reads of each party: their public profile, and the status a mentor chose. */
export type Party = ProfileUser & Pick<User, 'mentorStatus' | 'statusMessage'>;
export type CallWithParties = Call & { host: Party; recipient: Party | null };

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The ids of a call's parties: its host, and its recipient once it has one. */
export function partyIdsOf(call: Pick<Call, 'hostUserId' | 'recipientUserId'>): string[] {
  return call.recipientUserId ? [call.hostUserId, call.recipientUserId] : [call.hostUserId];
}

/** When an answered call with a length limit ends; null without one, or before the answer. */
export function endsAt(call: Pick<Call, 'startedAt' | 'maxDurationS'>): Date | null {
  return call.startedAt && call.maxDurationS !== null ? new Date(call.startedAt.getTime() + call.maxDurationS * 1000) : null;
}

export function toCallView(call: CallWithParties): CallView {
  return {
    id: call.id,
    hostUserId: call.hostUserId,
    recipientUserId: call.recipientUserId,
    status: call.status,
    title: call.title,
    isPrivate: call.isPrivate,
    hasVideo: call.hasVideo,
    roomName: call.roomName,
    callerDisplay: call.callerDisplay,
    startedAt: iso(call.startedAt),
    endedAt: iso(call.endedAt),
    endReason: call.endReason,
    durationSeconds: call.startedAt && call.endedAt ? Math.round((call.endedAt.getTime() - call.startedAt.getTime()) / 1000) : null,
    maxDurationS: call.maxDurationS,
    endsAt: iso(endsAt(call)),
    createdAt: call.createdAt.toISOString(),
    updatedAt: call.updatedAt.toISOString(),
    host: toPublicProfile(call.host),
    recipient: call.recipient ? toPublicProfile(call.recipient) : null,
  };
}

/** A participant record of GET /calls/:id: who was in the room, with which connection, when. */
export function toParticipantRecordView(p: CallParticipant) {
  return {
    socketId: p.connectionId,
    userId: p.userId,
    userName: p.userName,
    hasVideo: p.hasVideo,
    hasAudio: p.hasAudio,
    joinedAt: p.joinedAt.toISOString(),
    leftAt: iso(p.leftAt),
  };
}
