// Baseline: the least a Socket.IO 4 relay can do. No auth, no database: each socket joins
// `user:<id>` (id from the handshake's auth), and `relay {to, payload}` goes to that room.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 1e6 });
io.on('connection', (socket) => {
  const userId = String(socket.handshake.auth.userId);
  socket.join(`user:${userId}`);
  socket.on('relay', (message) => {
    if (message && message.to !== undefined) io.to(`user:${message.to}`).emit('relay', { from: userId, payload: message.payload });
  });
});
http.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`Listening on http://127.0.0.1:${process.env.PORT}`));
