import { Transform } from 'class-transformer';
import { IsDefined, IsOptional, IsString, Length } from 'class-validator';
import { toIdString } from '../../common/id';
import { declareFastShape } from '../../common/validation';
import { LimitSeconds } from '../../calls/dto/max-duration';

/** Ids arrive as numbers or strings (its protocol shows numbers). */
function Id(optional = false) {
  return (target: object, property: string) => {
    Transform(toIdString)(target, property);
    if (optional) IsOptional()(target, property);
    IsString({ message: `${property} must be an id (string or integer)` })(target, property);
    Length(1, 128)(target, property);
  };
}

export class StartCallMessage {
  @Id() callee_id: string;
  /** (ext) The call's length limit once answered, in seconds. */
  @LimitSeconds() max_duration_s?: number;
}

export class AnswerCallMessage {
  @Id() call_id: string;
  @Id(true) caller_id?: string;
}

export class RejectCallMessage extends AnswerCallMessage {}

/** Without `call_id` (the protocol never gives the caller one), the sender's open call with `callee_id`. */
export class CancelCallMessage {
  @Id(true) call_id?: string;
  @Id(true) callee_id?: string;
}

export class OfferMessage {
  @Id() callee_id: string;
  @IsDefined() offer: unknown;
  @Id(true) call_id?: string;
}

export class AnswerMessage {
  @Id() caller_id: string;
  @IsDefined() answer: unknown;
  @Id(true) call_id?: string;
}

export class IceCandidateMessage {
  @Id() peer_id: string;
  @IsDefined() candidate: unknown;
  @Id(true) call_id?: string;
}

/** (ext) Asks `peer_id` for an ICE restart. */
export class IceRestartMessage {
  @Id() peer_id: string;
  @Id(true) call_id?: string;
}

/** Without `call_id`, the sender's open call with `peer_id`. */
export class HangUpMessage {
  @Id(true) call_id?: string;
  @Id(true) peer_id?: string;
}

declareFastShape(OfferMessage, { callee_id: 'id', offer: 'payload', call_id: 'optional id' });
declareFastShape(AnswerMessage, { caller_id: 'id', answer: 'payload', call_id: 'optional id' });
declareFastShape(IceCandidateMessage, { peer_id: 'id', candidate: 'payload', call_id: 'optional id' });
