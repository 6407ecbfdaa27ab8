import { applyDecorators, UseFilters, UsePipes } from '@nestjs/common';
import { SubscribeMessage } from '@nestjs/websockets';
import { createValidationPipe } from '../common/validation';
import { SocketExceptionFilter } from './socket-exception.filter';
import { okReply } from './socket-replies';

const validation = createValidationPipe();

/** The handler's result (an object, or nothing) becomes the success reply `{ok: true, ...result}`. */
function AcknowledgedWithOk(): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as (...args: unknown[]) => Promise<object | void>;
    descriptor.value = async function (this: unknown, ...args: unknown[]) {
      return okReply((await handler.apply(this, args)) ?? undefined);
    };
  };
}

/**
 * A Socket.IO event of a gateway: its payload validated against the handler's DTO, its result
 * acknowledged as `{ok: true, ...result}`, any failure answered as the contract's error (through
 * the ack, else an `error` event) and counted in the metrics.
 */
export function SocketEvent(event: string): MethodDecorator {
  // The wrapper first: the others mark the function it leaves in place.
  return applyDecorators(AcknowledgedWithOk(), SubscribeMessage(event), UsePipes(validation), UseFilters(SocketExceptionFilter));
}
