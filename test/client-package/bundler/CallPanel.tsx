// A Vite-style React component: the hook for the call's state, PeerCall for its media, a typed
// socket passed to both without a cast. Type-checked only (a browser is what would run it).
import { useEffect, useMemo, useState } from 'react';
import { io } from 'socket.io-client';
import { PeerCall, type CallsSocket } from '@call-signaling/client';
import { useCall } from '@call-signaling/client/react';

export function CallPanel({ url, token, userId, mentorId }: { url: string; token: string; userId: string; mentorId: string }) {
  const socket: CallsSocket = useMemo(() => io(url, { auth: { token, dialect: 'calls' } }), [url, token]);
  const call = useCall({ socket, userId, serverUrl: url, token });
  const [remote, setRemote] = useState<MediaStream | null>(null);

  useEffect(() => {
    if (call.phase !== 'active' || !call.callId) return;
    const callId = call.callId;
    let peerCall: PeerCall | null = null;
    void navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then((localStream) => {
      peerCall = new PeerCall({ socket, callId, localStream, onRemoteStream: (_peer, stream) => setRemote(stream) });
      return peerCall.join();
    });
    return () => peerCall?.close();
  }, [call.phase, call.callId, socket]);

  if (call.phase === 'incoming') return <button onClick={() => void call.accept()}>Answer {call.incoming?.caller.name}</button>;
  if (call.phase !== 'idle') return <button onClick={() => void call.hangUp()}>Hang up {remote ? '(connected)' : ''}</button>;
  return <button onClick={() => void call.start(mentorId, { hasVideo: true })}>Call</button>;
}
