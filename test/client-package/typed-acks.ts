// Compiles only when the event maps type acknowledgements: each @ts-expect-error below must meet an
// error, or tsc fails with "Unused '@ts-expect-error' directive" (as it would if replies were `any`).
import type { CallsSocket, InstantMentorSocket, WebrtcSocket } from '@call-signaling/client';

export async function typedAcks(socket: CallsSocket): Promise<string> {
  // @ts-expect-error: startCall needs recipientUserId
  await socket.emitWithAck('startCall', { recipient: 'u1' });
  // @ts-expect-error: hasVideo is a boolean
  await socket.emitWithAck('startCall', { recipientUserId: 'u1', hasVideo: 'yes' });
  // @ts-expect-error: no such event
  await socket.emitWithAck('startcall', { recipientUserId: 'u1' });
  const reply = await socket.emitWithAck('startCall', { recipientUserId: 'u1' });
  // @ts-expect-error: the call is there only when ok is true
  void reply.call;
  if (!reply.ok) return reply.error.code;
  // @ts-expect-error: the reply carries `call`, not `calls`
  void reply.calls;
  const joined = await socket.emitWithAck('joinCall', { callId: reply.call.id, hasVideo: true, hasAudio: true });
  return joined.ok ? joined.participants.map((p) => p.socketId).join() : joined.error.message;
}

/** Each dialect's socket hears what the server sends it, and only that. */
export function dialectEvents(webrtc: WebrtcSocket, app: InstantMentorSocket): void {
  // A webrtc socket in a call's room hears the room's events in the calls dialect's words.
  webrtc.on('userJoined', (joined) => void joined.userId);
  webrtc.on('participantLeft', (left) => void left.userId);
  // The InstantMentor app hears a new message in its own words, never in the shared ones; it may announce itself (unacknowledged).
  app.on('message_received', (message) => void message);
  // @ts-expect-error: the app is sent message_received instead
  app.on('new_message', () => undefined);
  // @ts-expect-error: the app is sent mentor_status_update instead
  app.on('mentor_status_changed', () => undefined);
  app.emit('user_online', { userId: 'u1', role: 'student' });
}
