import { readAppWords } from './instantmentor.words';

const envelope = (event: string, data: object, receiverId?: string) => ({
  id: '17',
  event,
  data,
  senderId: 'u-1',
  receiverId,
  timestamp: 't',
});

describe("reading the InstantMentor app's payloads (CONTRACT.md §8, the InstantMentor app)", () => {
  it('takes a flat payload with one of the fields that tell the words apart as it is, for the gateway to validate', () => {
    const flat = { receiverId: 'u-2', callType: 'audio', callerName: 'Sam' };
    expect(readAppWords('initiate_call', flat)).toEqual({ payload: flat, speaks: true });
    expect(readAppWords('end_call', { callId: 'pending-1', reason: 'done' })).toEqual({
      payload: { callId: 'pending-1', reason: 'done' },
      speaks: true,
    });
    // Both vocabularies at once are validated as they are, not read as one of them.
    expect(readAppWords('student_request_help', { topic: 'Maths', mentorId: 'u-3' })).toEqual({
      payload: { topic: 'Maths', mentorId: 'u-3' },
      speaks: true,
    });
  });

  it("unwraps the envelope its second service sends, keeping the app's fields: the addressee from beside the data, its other field names", () => {
    expect(readAppWords('initiate_call', envelope('callInitiated', { callType: 'video', callData: {} }, 'u-2'))).toEqual({
      payload: { receiverId: 'u-2', callType: 'video' },
      speaks: true,
    });
    expect(
      readAppWords('send_message', envelope('messageSent', { content: 'hi', messageType: 'text', metadata: {} }, 'u-2'))?.payload,
    ).toEqual({
      receiverId: 'u-2',
      content: 'hi',
      type: 'text',
    });
    expect(
      readAppWords(
        'student_request_help',
        envelope('studentRequestHelp', { subject: 'Maths', urgency: 'high', requestData: {} }, 'broadcast_to_mentors'),
      )?.payload,
    ).toEqual({ mentorId: 'broadcast_to_mentors', subject: 'Maths', urgency: 'high' });
    expect(readAppWords('accept_call', envelope('callAccepted', { callId: 'c-1', callData: {} }, 'u-1'))?.payload).toEqual({
      callId: 'c-1',
    });
  });

  it("leaves section 8's words of a shared event name alone", () => {
    expect(readAppWords('initiate_call', { to_user_id: 'u-2', call_type: 'video' })).toBeUndefined();
    expect(readAppWords('accept_call', { call_id: 'c-1' })).toBeUndefined();
    expect(readAppWords('send_message', { to_user_id: 'u-2', text: 'hi' })).toBeUndefined();
    expect(readAppWords('user_typing', { conversation_id: 'conv-1' })).toBeUndefined();
    expect(readAppWords('mentor_busy', {})).toBeUndefined();
  });

  it("takes the app's own events in any form, and no other dialect's", () => {
    expect(readAppWords('webrtc_offer', { callId: 'c-1', payload: { sdp: 'v=0' } })).toEqual({
      payload: { callId: 'c-1', payload: { sdp: 'v=0' } },
      speaks: true,
    });
    expect(readAppWords('webrtc_offer', 'not an object')).toEqual({ payload: 'not an object', speaks: true });
    expect(readAppWords('startCall', { receiverId: 'u-2' })).toBeUndefined();
    expect(readAppWords('constructor', { receiverId: 'u-2' })).toBeUndefined();
  });

  it('takes a heartbeat or a presence announcement whatever it carries, as no sign of which words the sender speaks', () => {
    expect(readAppWords('ping', undefined)).toEqual({ payload: {}, speaks: false });
    expect(readAppWords('ping', { timestamp: 't' })).toEqual({ payload: {}, speaks: false });
    expect(readAppWords('user_online', envelope('userOnline', { userId: 'x', role: 'admin' }))).toEqual({ payload: {}, speaks: false });
  });
});
