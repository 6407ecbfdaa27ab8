import type { OpenCallIndex, OpenCallParties } from '../calls/open-call-index';

/** This server's call ids are UUIDs. */
const CALL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The call an InstantMentor app's `callId` means. The app names a call it started by a provisional
 * id (`pending-<ms>`) until it hears `call_accepted`: an id this server did not issue means the
 * sender's open call. Null when it means none.
 */
export async function openCallNamed(openCalls: OpenCallIndex, userId: string, callId: string): Promise<OpenCallParties | null> {
  const open = await openCalls.of(userId);
  return open && (open.callId === callId || !CALL_ID.test(callId)) ? open : null;
}

/** The id of the call an app's `callId` means (as openCallNamed); an id of this server's as it is. */
export async function appCallId(openCalls: OpenCallIndex, userId: string, callId: string): Promise<string> {
  if (CALL_ID.test(callId)) return callId;
  return (await openCallNamed(openCalls, userId, callId))?.callId ?? callId;
}
