import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
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
  const controller = useMemo(
    () =>
      socket && userId !== undefined && serverUrl !== undefined
        ? new CallController({ socket, userId, serverUrl, token: () => currentToken(token.current ?? '') })
        : null,
    [socket, userId, serverUrl],
  );
  useEffect(() => () => controller?.close(), [controller]);
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
