// Baseline: the least a `ws` relay can do. No auth, no database: `?user=<id>` names the socket's
// user, and a JSON `{to, payload}` frame goes to every socket of that user.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const http = createServer();
const wss = new WebSocketServer({ server: http, maxPayload: 1e6 });
const byUser = new Map();
wss.on('connection', (socket, request) => {
  const userId = new URL(request.url, 'http://x').searchParams.get('user');
  if (!byUser.has(userId)) byUser.set(userId, new Set());
  byUser.get(userId).add(socket);
  socket.on('close', () => byUser.get(userId).delete(socket));
  socket.on('message', (data) => {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const frame = JSON.stringify({ from: userId, payload: message.payload });
    for (const peer of byUser.get(String(message.to)) ?? []) peer.send(frame);
  });
});
http.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`Listening on http://127.0.0.1:${process.env.PORT}`));
