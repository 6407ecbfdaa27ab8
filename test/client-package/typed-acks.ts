// Compiles only when the event maps type acknowledgements: each @ts-expect-error below must meet an
// error, or tsc fails with "Unused '@ts-expect-error' directive" (as it would if replies were `any`).
import type { CallsSocket } from '@call-signaling/client';

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
