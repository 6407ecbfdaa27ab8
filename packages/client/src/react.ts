import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { CallController, currentToken, IDLE_CALL, type CallControllerOptions, type CallSnapshot } from './call-controller.js';

export interface UseCall extends CallSnapshot {
  start: CallController['start'];
  accept: CallController['accept'];
  decline: CallController['decline'];
  hangUp: CallController['hangUp'];
}

/**
 * The user's call for a React component: its phase, who is calling, how the last call closed, and
 * the actions. Pass null until the socket is connected; the state is then idle and the actions
 * refuse. A new socket, server or user makes a new controller; a new token does not.
 *
 *   const call = useCall(socket && { socket, userId, serverUrl, token });
 *   if (call.phase === 'incoming') return <button onClick={() => call.accept()}>Answer</button>;
 */
export function useCall(options: CallControllerOptions | null): UseCall {
  const token = useRef(options?.token);
  token.current = options?.token;
  const { socket, userId, serverUrl } = options ?? {};
  const [controller, setController] = useState<CallController | null>(null);
  // Made in the effect that closes it, not during render: StrictMode mounts, unmounts and mounts
  // again, and a controller made once in render would be left closed by the unmount.
  useEffect(() => {
    if (!socket || userId === undefined || serverUrl === undefined) return;
    const made = new CallController({ socket, userId, serverUrl, token: () => currentToken(token.current ?? '') });
    setController(made);
    return () => {
      made.close();
      setController((current) => (current === made ? null : current));
    };
  }, [socket, userId, serverUrl]);
  const snapshot = useSyncExternalStore(
    controller?.subscribe ?? noSubscription,
    controller?.getSnapshot ?? idle,
    controller?.getSnapshot ?? idle,
  );
  return useMemo(() => {
    const refuse = () => Promise.reject(new Error('useCall: no socket yet'));
    return {
      ...snapshot,
      start: controller ? (recipientUserId, startOptions) => controller.start(recipientUserId, startOptions) : refuse,
      accept: controller ? () => controller.accept() : refuse,
      decline: controller ? () => controller.decline() : refuse,
      hangUp: controller ? () => controller.hangUp() : refuse,
    };
  }, [snapshot, controller]);
}

const idle = (): CallSnapshot => IDLE_CALL;
const noSubscription = (): (() => void) => () => undefined;
