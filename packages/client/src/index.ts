/**
 * The typed client of this server: event maps for socket.io-client, payload and object types,
 * the error catalogue, and a WebRTC helper. Frontend code and the server's own tests import it
 * alike; it has no runtime dependency (socket.io-client's types are only types).
 *
 *   const socket: CallsSocket = io(url, { auth: { token, dialect: 'calls' } });
 *   const reply = await socket.emitWithAck('startCall', { recipientUserId });
 */
export * from './acks.js';
export * from './call-controller.js';
export * from './calls-events.js';
export * from './chat-events.js';
export * from './community-events.js';
export * from './errors.js';
export * from './instant-events.js';
export * from './instantmentor-events.js';
export * from './models.js';
export * from './peer-call.js';
export * from './session-events.js';
export * from './sockets.js';
export * from './webrtc-events.js';
export * from './webhooks.js';
