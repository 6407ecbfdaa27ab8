// Baseline for call setup: the least a server can do for the bench's call cycle and still be
// honest about it. Socket.IO 4 and PostgreSQL through pg (a pool of 10, as the product's), the
// token's HMAC checked, the events and payload fields the call-setup load generator reads, and
// persistence a real product needs: one statement inserts the call and both parties' busy slots
// (the primary key refuses a busy party), one conditional UPDATE per state move, and the end frees
// the slots in the same statement. Rooms, sockets and who is where live in memory.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { Server } from 'socket.io';

const SECRET = process.env.JWT_SECRET;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`
  CREATE TABLE IF NOT EXISTS calls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    host_user_id text NOT NULL,
    recipient_user_id text NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz,
    ended_at timestamptz
  );
  CREATE TABLE IF NOT EXISTS busy (user_id text PRIMARY KEY, call_id uuid NOT NULL);
`);

/** The user a signed HS256 token names, or null. */
function userOf(token) {
  const [header, payload, signature] = String(token).split('.');
  if (!signature) return null;
  const expected = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return claims.exp && claims.exp * 1000 < Date.now() ? null : claims.sub;
}

const http = createServer((request, response) => response.writeHead(404).end());
const io = new Server(http);
/** Sockets joined to each call. */
const joined = new Map();

io.use((socket, next) => {
  const userId = userOf(socket.handshake.auth.token);
  if (!userId) return next(new Error('unauthorized'));
  socket.data.userId = userId;
  next();
});

io.on('connection', (socket) => {
  const { userId } = socket.data;
  socket.join(`user:${userId}`);
  socket.emit('authenticated', { socketId: socket.id, userId });
  const handle = (event, handler) =>
    socket.on(event, (payload, ack) =>
      handler(payload ?? {}).then(
        (reply) => ack?.({ ok: true, ...reply }),
        (error) => ack?.({ ok: false, error: { code: error.code === '23505' ? 'busy' : 'failed', message: error.message } }),
      ),
    );

  handle('startCall', async ({ recipientUserId }) => {
    const { rows } = await pool.query(
      `WITH call AS (INSERT INTO calls (host_user_id, recipient_user_id, status) VALUES ($1, $2, 'CALLING') RETURNING id)
       INSERT INTO busy (user_id, call_id) SELECT party, call.id FROM call, unnest(ARRAY[$1, $2]) AS party RETURNING call_id`,
      [userId, recipientUserId],
    );
    const callId = rows[0].call_id;
    io.to(`user:${recipientUserId}`).emit('incomingCall', { callId, caller: { userId } });
    return { call: { id: callId, status: 'CALLING' } };
  });

  handle('acceptCall', async ({ callId }) => {
    const { rows } = await pool.query(
      `UPDATE calls SET status = 'ACTIVE', answered_at = now() WHERE id = $1 AND recipient_user_id = $2 AND status = 'CALLING' RETURNING host_user_id`,
      [callId, userId],
    );
    if (!rows.length) throw new Error('not ringing');
    io.to(`user:${rows[0].host_user_id}`).emit('callAccepted', { callId });
    return {};
  });

  handle('joinCall', async ({ callId }) => {
    const room = joined.get(callId) ?? new Map();
    joined.set(callId, room);
    socket.to(`call:${callId}`).emit('userJoined', { callId, socketId: socket.id, userId });
    room.set(socket.id, userId);
    socket.join(`call:${callId}`);
    return { participants: [...room].map(([socketId, id]) => ({ socketId, userId: id })) };
  });

  for (const kind of ['offer', 'answer']) {
    handle(kind, async ({ targetSocketId, signal }) => {
      io.to(targetSocketId).emit(kind, { senderId: socket.id, signal });
      return {};
    });
  }

  handle('leaveCall', async ({ callId }) => {
    socket.leave(`call:${callId}`);
    joined.get(callId)?.delete(socket.id);
    const { rows } = await pool.query(
      `WITH ended AS (
         UPDATE calls SET status = 'ENDED', ended_at = now()
         WHERE id = $1 AND status IN ('CALLING', 'ACTIVE') AND $2 IN (host_user_id, recipient_user_id)
         RETURNING id, host_user_id, recipient_user_id)
       DELETE FROM busy USING ended WHERE busy.call_id = ended.id RETURNING ended.host_user_id, ended.recipient_user_id`,
      [callId, userId],
    );
    if (rows.length) {
      joined.delete(callId);
      io.to([`user:${rows[0].host_user_id}`, `user:${rows[0].recipient_user_id}`]).emit('callEnded', { callId });
    }
    return {};
  });
});

http.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`Listening on http://127.0.0.1:${process.env.PORT}`));
