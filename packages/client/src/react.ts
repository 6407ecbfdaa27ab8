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
  // The controller as of now, for the actions: an effect that runs after this hook's own (one
  // declared after useCall in the same component) may act in the very commit that made it.
  const live = useRef<CallController | null>(null);
  // Made in the effect that closes it, not during render: StrictMode mounts, unmounts and mounts
  // again, and a controller made once in render would be left closed by the unmount.
  useEffect(() => {
    if (!socket || userId === undefined || serverUrl === undefined) return;
    const made = new CallController({ socket, userId, serverUrl, token: () => currentToken(token.current ?? '') });
    live.current = made;
    setController(made);
    return () => {
      made.close();
      if (live.current === made) live.current = null;
      setController((current) => (current === made ? null : current));
    };
  }, [socket, userId, serverUrl]);
  const snapshot = useSyncExternalStore(
    controller?.subscribe ?? noSubscription,
    controller?.getSnapshot ?? idle,
    controller?.getSnapshot ?? idle,
  );
  const actions = useMemo(() => {
    const ready = () => live.current ?? Promise.reject(new Error('useCall: no socket yet'));
    return {
      start: async (...args: Parameters<CallController['start']>) => (await ready()).start(...args),
      accept: async () => (await ready()).accept(),
      decline: async () => (await ready()).decline(),
      hangUp: async () => (await ready()).hangUp(),
    };
  }, []);
  return useMemo(() => ({ ...snapshot, ...actions }), [snapshot, actions]);
}

const idle = (): CallSnapshot => IDLE_CALL;
const noSubscription = (): (() => void) => () => undefined;
