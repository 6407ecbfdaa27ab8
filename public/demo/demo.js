// The reference web client: the primary Socket.IO dialect (`calls`), REST, and PeerCall from
// the client module. Plain DOM, no framework: read it top to bottom.
import { PeerCall } from './peer-call.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'call-signaling-demo-token';

/** Everything the page knows; `window.demo` lets devtools (and the browser test) look inside. */
const state = {
  token: null,
  user: null,
  socket: null,
  call: null,
  peer: null,
  /** Which of the other party's media are on, as their toggles said. */
  peerMedia: { video: true, audio: true },
  peerCall: null,
  localStream: null,
  /** The camera and microphone being asked for, while the browser asks. */
  mediaRequest: null,
  incoming: null,
  conversationId: null,
  /** The student's help request while it waits, is reserved, or may take a message. */
  help: null,
};
window.demo = state;

/** One line under the page: what just happened (`info`), or what went wrong (`error`). */
function notice(text, kind = 'info') {
  $('notice').textContent = text ?? '';
  $('notice').dataset.kind = kind;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      ...(state.token ? { Authorization: `Bearer ${state.token}` } : {}),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(data?.message ?? `HTTP ${response.status}`);
  return data;
}

/** Emits with an acknowledgement; a refusal becomes an exception carrying the server's message. */
function request(event, payload) {
  return new Promise((resolve, reject) => {
    state.socket.timeout(10000).emit(event, payload, (timeout, reply) => {
      if (timeout) reject(new Error(`${event}: no answer`));
      else if (reply.ok) resolve(reply);
      else reject(new Error(reply.error.message));
    });
  });
}

const run = (work) => work.catch((error) => notice(error.message, 'error'));

// ---------------------------------------------------------------- signing in

$('auth-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const register = event.submitter?.value === 'register';
  const body = register
    ? {
        email: form.get('email'),
        password: form.get('password'),
        displayName: form.get('displayName') || form.get('email'),
        role: form.get('role'),
      }
    : { email: form.get('email'), password: form.get('password') };
  run(
    api('POST', register ? '/auth/register' : '/auth/login', body).then(({ accessToken }) => {
      // Per tab: two tabs can be two users, which is how the demo calls itself.
      sessionStorage.setItem(TOKEN_KEY, accessToken);
      return start(accessToken);
    }),
  );
});

$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

async function start(token) {
  state.token = token;
  state.user = await api('GET', '/auth/me');
  $('whoami').textContent = `${state.user.displayName} (${state.user.role})`;
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  const helps = ['mentor', 'tutor'].includes(state.user.role);
  $('my-status').hidden = !helps;
  $('help-mentor').hidden = !helps;
  $('help-student').hidden = state.user.role !== 'student';
  document.body.dataset.state = 'idle';
  connect();
  if (helps) run(showSubjects());
}

function connect() {
  // The Socket.IO client, loaded by index.html from this server.
  const socket = globalThis.io({ auth: { token: state.token, dialect: 'calls' }, transports: ['websocket'] });
  state.socket = socket;
  socket.on('authenticated', () => run(Promise.all([showMentors(), showHistory(), showPeople(), showHelpQueue()])));
  socket.on('connect_error', (error) => notice(`Cannot connect: ${error.message}`, 'error'));
  socket.on('error', (error) => notice(error.message, 'error'));
  socket.on('server_shutdown', ({ message }) => notice(message));
  for (const event of ['mentor_status_changed', 'user_online', 'user_offline']) socket.on(event, () => run(showMentors()));
  socket.on('user_online', ({ user_id }) => showPresence(user_id, true));
  socket.on('user_offline', ({ user_id }) => showPresence(user_id, false));
  socket.on('incomingCall', ringing);
  // Back mid-call. This socket reconnected (a network change): rejoin, and ask the other side for an
  // ICE restart so media recovers. Or this tab reloaded: carry on in the call the server says this user is in.
  socket.on('currentCall', ({ call }) => {
    if (state.call?.id === call.id && state.peerCall) {
      run(state.peerCall.resume());
      return;
    }
    if (state.call) return;
    const peer = call.hostUserId === state.user.id ? call.recipient : call.host;
    run(
      (async () => {
        await ensureMedia();
        enterCall(call, peer, call.status === 'ACTIVE' ? 'Reconnecting…' : 'Ringing…');
        await joinRoom();
      })(),
    );
  });
  // The other side's connection dropped: the call waits for them (RECONNECT_GRACE_MS), then ends.
  socket.on('participantReconnecting', ({ callId }) => {
    if (state.call?.id !== callId) return;
    document.body.dataset.peer = 'reconnecting';
    setCallStatus(`${state.peer.displayName} is reconnecting…`);
  });
  socket.on('participantReconnected', ({ callId }) => {
    if (state.call?.id !== callId) return;
    document.body.dataset.peer = 'back';
    setCallStatus(`${state.peer.displayName} is back`);
  });
  // A session with a length limit: warnings before the end, and more time asked and answered.
  socket.on('callTimeWarning', ({ callId, secondsLeft, endsAt }) => {
    if (state.call?.id !== callId) return;
    showLimit(endsAt);
    notice(`${secondsLeft >= 60 ? `${Math.round(secondsLeft / 60)} min` : `${secondsLeft} s`} left in this session`);
  });
  socket.on('extensionRequested', ({ callId, extraS }) => {
    if (state.call?.id !== callId) return;
    $('extension-text').textContent = `${state.peer.displayName} asks for ${Math.round(extraS / 60)} more minutes`;
    $('extension').hidden = false;
  });
  socket.on('callExtended', ({ callId, endsAt, extraS }) => {
    if (state.call?.id !== callId) return;
    $('extension').hidden = true;
    showLimit(endsAt);
    notice(`${Math.round(extraS / 60)} more minutes granted`);
  });
  socket.on('extensionDeclined', ({ callId }) => {
    if (state.call?.id !== callId) return;
    $('extension').hidden = true;
    notice('No more time this session');
  });
  socket.on('callAccepted', ({ callId }) => {
    if (state.incoming?.callId === callId) hideRinging(); // answered on another device
    if (state.call?.id !== callId) return;
    state.call.status = 'ACTIVE';
    setCallStatus('Connecting…');
    // Answered: a session with a limit now has its end.
    run(api('GET', `/calls/${callId}`).then((call) => showLimit(call.endsAt)));
  });
  for (const [event, why] of [
    ['callDeclined', 'Declined'],
    ['callCancelled', 'Cancelled'],
    ['callMissed', 'Not answered'],
    ['callEnded', 'Call ended'],
  ]) {
    socket.on(event, ({ callId }) => closed(callId, why));
  }
  listenForHelp(socket);
  socket.on('new_message', ({ message }) => {
    if (message.conversationId === state.conversationId) showMessage(message);
    else notice(`New message from ${message.sender.displayName}`);
  });
}

// ---------------------------------------------------------------- mentors and status

async function showMentors() {
  const mentors = await api('GET', '/presence/mentors');
  const list = $('mentors');
  list.replaceChildren();
  const others = mentors.filter((m) => m.mentorId !== state.user.id);
  $('no-mentors').hidden = others.length > 0;
  for (const mentor of others) {
    const item = document.createElement('li');
    item.dataset.userId = mentor.mentorId;
    const status = document.createElement('span');
    status.className = `status-${mentor.status}`;
    status.textContent = mentor.status + (mentor.statusMessage ? ` – ${mentor.statusMessage}` : '');
    const call = button('Call', () => run(startCall({ id: mentor.mentorId, displayName: mentor.displayName, role: mentor.role })));
    call.className = 'primary';
    call.disabled = mentor.status !== 'available' || Boolean(state.call);
    const chat = button('Chat', () => run(openChat({ id: mentor.mentorId, displayName: mentor.displayName, role: mentor.role })));
    item.append(`${mentor.displayName} (${mentor.role}) `, status, ' ', call, chat);
    list.append(item);
  }
  if (!$('my-status').hidden) {
    const mine = await api('GET', `/presence/mentors?role=${state.user.role}`);
    $('status-now').textContent = mine.find((m) => m.mentorId === state.user.id)?.status ?? 'offline';
  }
}

function button(label, onClick) {
  const element = document.createElement('button');
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}

$('go-available').addEventListener('click', () => run(request('mentor_available', {}).then(showMentors)));
$('go-busy').addEventListener('click', () => run(request('mentor_busy', {}).then(showMentors)));

// ---------------------------------------------------------------- the help queue

function listenForHelp(socket) {
  // Students: where their request stands, who took it, and what became of it.
  socket.on('help_request_position', ({ request_id, position, waiting, estimated_wait_ms }) => {
    if (state.help?.id !== request_id) return;
    const wait = estimated_wait_ms === null ? '' : ` · about ${Math.max(1, Math.round(estimated_wait_ms / 60000))} min`;
    showHelp(`You are #${position} of ${waiting} in line${wait}`, 'waiting');
  });
  socket.on('help_request_accepted', ({ request_id, mentor_id, mentor_name, reserved_until }) => {
    if (state.help?.id !== request_id) return;
    state.help.acceptedBy = mentor_id;
    showHelp(`${mentor_name} will call you by ${new Date(reserved_until).toLocaleTimeString()}`, 'accepted');
  });
  socket.on('help_request_requeued', ({ request_id }) => {
    if (state.help?.id === request_id) showHelp('Back at the front of the line: another mentor will take it', 'waiting');
    else run(showHelpQueue());
  });
  socket.on('help_request_expired', ({ request_id, can_leave_message }) => {
    if (state.help?.id === request_id && can_leave_message) showHelp('Nobody was free in time. Leave a message?', 'expired');
    else run(showHelpQueue());
  });
  // Mentors: what waits for them, live.
  socket.on('help_queue_changed', ({ waiting, topics }) => {
    $('help-count').textContent =
      waiting === 0 ? 'Nobody is waiting.' : `${waiting} waiting: ${topics.map((t) => `${t.topic} (${t.waiting})`).join(', ')}`;
    run(showHelpQueue());
  });
  for (const event of ['help_request', 'help_request_taken', 'help_request_cancelled']) socket.on(event, () => run(showHelpQueue()));
}

/** The student's request: its line of text, and which controls go with its status. */
function showHelp(text, status) {
  $('help-status').hidden = false;
  $('help-status').textContent = text;
  $('help-status').dataset.status = status;
  $('help-cancel').hidden = status !== 'waiting' && status !== 'accepted';
  $('help-message-form').hidden = status !== 'expired';
  $('help-form').hidden = status === 'waiting' || status === 'accepted';
}

$('help-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const topic = event.target.elements.topic.value.trim();
  run(
    request('student_request_help', { topic }).then(({ request }) => {
      state.help = request;
      showHelp(`You are #${request.queue.position} of ${request.queue.waiting} in line`, 'waiting');
    }),
  );
});

$('help-cancel').addEventListener('click', () =>
  run(
    request('cancel_help_request', { request_id: state.help.id }).then(() => {
      state.help = null;
      showHelp('Request withdrawn', 'cancelled');
    }),
  ),
);

$('help-message-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = event.target.elements.text.value.trim();
  run(
    request('leave_help_message', { request_id: state.help.id, text }).then(({ mentors }) => {
      state.help = null;
      event.target.reset();
      showHelp(`Message sent to ${mentors} mentor${mentors === 1 ? '' : 's'}: the answer comes in your chats`, 'done');
    }),
  );
});

async function showSubjects() {
  const { subjects } = await api('GET', '/users/me/subjects');
  $('subjects-form').elements.subjects.value = subjects.join(', ');
}

$('subjects-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const subjects = event.target.elements.subjects.value.split(',').filter((subject) => subject.trim() !== '');
  run(
    api('PUT', '/users/me/subjects', { subjects }).then(({ subjects: saved }) => {
      event.target.elements.subjects.value = saved.join(', ');
      notice('Requests on these subjects now come to you first');
    }),
  );
});

/** Mentors: the requests they may take, head of each queue first; taking one reserves it, then they call. */
async function showHelpQueue() {
  if ($('help-mentor').hidden) return;
  const [waiting, taken] = await Promise.all([api('GET', '/help-requests?status=waiting'), api('GET', '/help-requests?status=accepted')]);
  const students = new Map(
    await Promise.all(
      [...new Set([...waiting, ...taken].map((r) => r.studentId))].map(async (id) => [id, await api('GET', `/users/${id}`)]),
    ),
  );
  $('help-requests').replaceChildren(
    ...[...taken, ...waiting].map((help) => {
      const item = document.createElement('li');
      item.dataset.requestId = help.id;
      const student = students.get(help.studentId);
      const place = help.queue ? `#${help.queue.position} · ` : '';
      item.append(`${place}${help.topic} – ${student.displayName} `);
      if (help.status === 'accepted') {
        const call = button(`Call ${student.displayName}`, () => run(startCall(student)));
        call.className = 'primary';
        call.disabled = Boolean(state.call);
        item.append(call);
      } else {
        item.append(button('Take', () => run(api('POST', `/help-requests/${help.id}/accept`).then(showHelpQueue))));
      }
      return item;
    }),
  );
}

// ---------------------------------------------------------------- calls

async function startCall(peer) {
  await ensureMedia();
  const length = Number($('call-length').value) || undefined;
  let call;
  try {
    ({ call } = await request('startCall', { recipientUserId: peer.id, hasVideo: true, maxDurationS: length }));
  } catch (error) {
    if (!state.call) stopMedia(); // refused (busy, say): no call, so no camera
    throw error;
  }
  if (call.status === 'MISSED') {
    if (!state.call) stopMedia();
    notice(`${peer.displayName} is offline`);
    return showHistory();
  }
  // Glare: they were calling us, and this start answered their call.
  enterCall(call, peer, call.status === 'ACTIVE' ? 'Connecting…' : 'Ringing…');
  // The caller waits in the room; the callee offers to us when they join.
  await joinRoom();
}

function ringing(incoming) {
  if (state.call) return; // busy here; the server told the caller already
  state.incoming = incoming;
  $('ringing-text').textContent = `${incoming.caller.name} is calling (${incoming.hasVideo ? 'video' : 'audio'})`;
  $('ringing').hidden = false;
  document.body.dataset.state = 'ringing';
}

function hideRinging() {
  state.incoming = null;
  $('ringing').hidden = true;
  if (!state.call) document.body.dataset.state = 'idle';
}

$('accept').addEventListener('click', () => {
  const incoming = state.incoming;
  $('accept').disabled = true;
  run(
    (async () => {
      try {
        // The ringing stays until the camera is granted: refused, the call can still be declined.
        await ensureMedia();
      } finally {
        $('accept').disabled = false;
      }
      if (state.incoming?.callId !== incoming.callId) {
        if (!state.call) stopMedia(); // cancelled or declined while the camera was asked for
        return;
      }
      hideRinging();
      try {
        const { call } = await request('acceptCall', { callId: incoming.callId });
        enterCall(call, call.host, 'Connecting…');
      } catch (error) {
        if (!state.call) stopMedia();
        throw error;
      }
      await joinRoom();
    })(),
  );
});

$('decline').addEventListener('click', () => {
  const { callId } = state.incoming;
  hideRinging();
  run(request('declineCall', { callId }).then(showHistory));
});

function enterCall(call, peer, status) {
  // Glare: the call ringing here is the one this user just joined by calling back.
  if (state.incoming?.callId === call.id) hideRinging();
  state.call = call;
  state.peer = peer;
  state.peerMedia = { video: true, audio: true };
  $('call-title').textContent = `Call with ${peer.displayName}`;
  showPeerLabel();
  $('call').hidden = false;
  showLimit(call.endsAt);
  $('local-video').srcObject = state.localStream;
  setCallStatus(status);
  document.body.dataset.state = 'in-call';
  run(openChat(peer));
  run(Promise.all([showMentors(), showPeople(), showHelpQueue()]));
  // The mentor who took the student's request called: the request is fulfilled.
  if ($('help-status').dataset.status === 'accepted' && peer.id === state.help?.acceptedBy) {
    state.help = null;
    showHelp(`In a session with ${peer.displayName}`, 'done');
  }
}

async function joinRoom() {
  const { iceServers } = await api('GET', '/calls/ice-servers');
  state.peerCall = new PeerCall({
    socket: state.socket,
    callId: state.call.id,
    localStream: state.localStream,
    iceServers,
    userName: state.user.displayName,
    onRemoteStream: (_peer, stream) => {
      $('remote-video').srcObject = stream;
    },
    onConnectionStateChange: (_peer, connection) => {
      document.body.dataset.connection = connection;
      setCallStatus(connection === 'connected' ? 'Connected' : connection);
    },
    onPeerMediaToggled: (_peer, kind, enabled) => {
      state.peerMedia[kind] = enabled;
      showPeerLabel();
    },
    onPeerLeft: () => setCallStatus('The other side left'),
    onError: (error) => notice(error.message),
  });
  await state.peerCall.join();
}

/** The other party's name, with each of their media that is off: both show when both are. */
function showPeerLabel() {
  const { video, audio } = state.peerMedia;
  $('remote-label').textContent = `${state.peer.displayName}${video ? '' : ' (camera off)'}${audio ? '' : ' (muted)'}`;
}

/** When the session ends, if it has a limit (the call's `endsAt`, once answered). */
function showLimit(endsAt) {
  $('call-limit').hidden = !endsAt;
  $('more-time').hidden = !endsAt;
  if (endsAt) $('call-limit').textContent = `Session ends at ${new Date(endsAt).toLocaleTimeString()}`;
}

$('more-time').addEventListener('click', () => run(request('requestExtension', { callId: state.call.id, extraS: 600 })));
$('grant-extension').addEventListener('click', () => run(request('acceptExtension', { callId: state.call.id })));
$('refuse-extension').addEventListener('click', () => run(request('declineExtension', { callId: state.call.id })));

function setCallStatus(text) {
  $('call-status').textContent = text;
}

async function ensureMedia() {
  if (state.localStream) return;
  // One request at a time: a second click while the browser asks shares it, rather than opening the camera twice.
  state.mediaRequest ??= navigator.mediaDevices.getUserMedia({ video: true, audio: true }).finally(() => (state.mediaRequest = null));
  const stream = await state.mediaRequest;
  state.localStream ??= stream;
}

/** Camera and microphone off: after a call, and after a start that came to nothing. */
function stopMedia() {
  for (const track of state.localStream?.getTracks() ?? []) track.stop();
  state.localStream = null;
  $('local-video').srcObject = null;
}

$('toggle-camera').addEventListener('click', () => {
  const enabled = !state.localStream.getVideoTracks()[0].enabled;
  $('toggle-camera').textContent = enabled ? 'Camera off' : 'Camera on';
  run(state.peerCall.setVideoEnabled(enabled));
});

$('toggle-mic').addEventListener('click', () => {
  const enabled = !state.localStream.getAudioTracks()[0].enabled;
  $('toggle-mic').textContent = enabled ? 'Mute' : 'Unmute';
  run(state.peerCall.setAudioEnabled(enabled));
});

$('hang-up').addEventListener('click', () => {
  const call = state.call;
  // Ringing: the caller cancels. Otherwise end it for both (DELETE /calls/:id).
  const hangUp =
    call.status === 'CALLING' && call.hostUserId === state.user.id
      ? request('cancelCall', { callId: call.id })
      : api('DELETE', `/calls/${call.id}`);
  run(hangUp.then(() => closed(call.id, 'Call ended')));
});

/** The call closed, whoever closed it: tear down media and the room, show the outcome. */
function closed(callId, why) {
  if (state.incoming?.callId === callId) hideRinging();
  if (state.call?.id !== callId) return;
  state.peerCall?.close();
  state.peerCall = null;
  state.call = null;
  stopMedia();
  $('remote-video').srcObject = null;
  $('toggle-camera').textContent = 'Camera off';
  $('toggle-mic').textContent = 'Mute';
  $('call').hidden = true;
  $('extension').hidden = true;
  showLimit(null);
  delete document.body.dataset.connection;
  delete document.body.dataset.peer;
  document.body.dataset.state = 'idle';
  notice(why);
  run(Promise.all([showHistory(), showMentors(), showPeople(), showHelpQueue()]));
}

async function showHistory() {
  const { items } = await api('GET', '/calls/user/history?limit=10');
  $('history').replaceChildren(
    ...items.map((call) => {
      const item = document.createElement('li');
      item.dataset.callId = call.id;
      item.dataset.status = call.status;
      const other = call.hostUserId === state.user.id ? call.recipient : call.host;
      const duration = call.durationSeconds === null ? '' : ` · ${call.durationSeconds} s`;
      item.textContent = `${call.status} · ${other?.displayName ?? 'nobody yet'} · ${new Date(call.createdAt).toLocaleString()}${duration} `;
      // Anyone one has called with can be called back: a mentor reaches the students who called.
      if (other) {
        const back = button('Call back', () => run(startCall({ id: other.id, displayName: other.displayName })));
        back.disabled = Boolean(state.call);
        item.append(back);
      }
      return item;
    }),
  );
}

// ---------------------------------------------------------------- people

/**
 * Everyone this user has called, been called by or chatted with, online or not: how a mentor
 * finds the students who reached out, and calls or writes back.
 */
async function showPeople() {
  const [{ items: calls }, { items: conversations }] = await Promise.all([
    api('GET', '/calls/user/history?limit=50'),
    api('GET', '/chat/conversations?limit=50'),
  ]);
  const people = new Map();
  for (const call of calls) for (const person of [call.host, call.recipient]) if (person) people.set(person.id, person);
  for (const conversation of conversations) for (const member of conversation.members) people.set(member.id, member);
  if (state.peer) people.set(state.peer.id, state.peer); // the call under way, before it is in the history
  people.delete(state.user.id);
  const presences = await Promise.all([...people.keys()].map((id) => api('GET', `/presence/${id}`)));
  $('people').replaceChildren(
    ...[...people.values()].map((person, i) => {
      const item = document.createElement('li');
      item.dataset.userId = person.id;
      const dot = document.createElement('span');
      dot.className = 'presence';
      const call = button('Call', () => run(startCall(person)));
      call.className = 'primary';
      call.disabled = Boolean(state.call);
      const chat = button('Chat', () => run(openChat(person)));
      item.append(dot, ` ${person.displayName}${person.role ? ` (${person.role})` : ''} `, call, chat);
      setOnline(item, presences[i].online);
      return item;
    }),
  );
  $('no-people').hidden = people.size > 0;
}

function showPresence(userId, online) {
  const item = $('people').querySelector(`li[data-user-id="${CSS.escape(userId)}"]`);
  if (item) setOnline(item, online);
}

function setOnline(item, online) {
  item.dataset.online = String(online);
  item.querySelector('.presence').title = online ? 'online' : 'offline';
}

// ---------------------------------------------------------------- chat

async function openChat(peer) {
  const conversation = await api('POST', '/chat/conversations', { userId: peer.id });
  state.conversationId = conversation.id;
  state.chatPeer = peer;
  $('chat-title').textContent = `Chat with ${peer.displayName}`;
  $('chat').hidden = false;
  const { items } = await api('GET', `/chat/conversations/${conversation.id}/messages?limit=50`);
  $('messages').replaceChildren();
  for (const message of items.reverse()) showMessage(message);
}

function showMessage(message) {
  const item = document.createElement('li');
  item.dataset.messageId = message.id;
  item.textContent = `${message.sender.displayName}: ${message.text}`;
  $('messages').append(item);
  item.scrollIntoView({ block: 'nearest' });
}

$('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = event.target.elements.text;
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  // The id makes a retry after a flaky network idempotent.
  run(
    request('send_message', { to_user_id: state.chatPeer.id, text, client_message_id: crypto.randomUUID() }).then(({ message }) =>
      showMessage(message),
    ),
  );
});

// ---------------------------------------------------------------- resume a session in this tab

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  start(saved).catch(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    notice('Your session ended; sign in again');
  });
}
