import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { redactText } from './redact';
import { REPEAT_WINDOW_MS, RepeatedErrors } from './repeated-errors';

type Write = (...args: unknown[]) => unknown;

/** Refusals of one client written line by line in a window, before the rest are counted together. */
const REFUSED_PATHS_PER_CLIENT = 20;

/**
 * One line per HTTP request and per WebSocket upgrade: Express routes, Socket.IO polling and
 * handshakes, /ws/call/ and /ws/signaling/ alike, listened for on the Node server itself so no
 * route or transport is missed. Paths are redacted (`?token=` never reaches the log). A refusal
 * repeated by the same client (one retrying a refused connection, say) is written once a window,
 * then counted: a flood of them must not cost more in log writes than in refusing.
 */
@Injectable()
export class AccessLog implements OnApplicationBootstrap {
  private readonly logger = new Logger('Access');
  private readonly refusals = new RepeatedErrors(
    REPEAT_WINDOW_MS,
    (kind, repeats) =>
      this.logger.warn({ msg: `${kind}: ${repeats} more time(s) in the last ${REPEAT_WINDOW_MS / 1000} s`, repeated: repeats }),
    // A client refused on ever new paths (a random query string each time) is a few lines too.
    REFUSED_PATHS_PER_CLIENT,
  );

  constructor(private readonly httpHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.httpHost.httpAdapter.getHttpServer() as Server;
    // Socket.IO has attached by now (gateways connect during init, before bootstrap); prepending
    // puts this listener ahead of its request filter, so polling requests are seen too.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => this.request(request, response));
    server.prependListener('upgrade', (request: IncomingMessage, socket: Duplex) => this.upgrade(request, socket));
  }

  private request(request: IncomingMessage, response: ServerResponse): void {
    // Load balancers and orchestrators ask every few seconds: a line for each healthy answer would drown the rest.
    const healthCheck = request.url?.startsWith('/health/') || request.url === '/health';
    const started = performance.now();
    const remoteAddress = request.socket.remoteAddress;
    response.once('close', () => {
      if (healthCheck && response.statusCode < 400) return;
      // Express has decorated the request by now: req.ip honours `trust proxy`, req.user is the caller.
      const decorated = request as IncomingMessage & { ip?: string; originalUrl?: string; user?: { id?: string } };
      this.write(request.method, decorated.originalUrl ?? request.url, response.statusCode, started, {
        userId: decorated.user?.id,
        ip: decorated.ip ?? remoteAddress,
        aborted: response.writableFinished ? undefined : true,
      });
    });
  }

  /** The upgrade's answer is whatever its handler writes first (`HTTP/1.1 101 …`, or a refusal). */
  private upgrade(request: IncomingMessage, socket: Duplex): void {
    const started = performance.now();
    const ip = request.socket.remoteAddress;
    const target = socket as unknown as { write: Write; end: Write };
    const original = { write: target.write, end: target.end };
    let logged = false;
    const answered = (chunk: unknown) => {
      if (logged) return;
      logged = true;
      target.write = original.write;
      target.end = original.end;
      // Logged once: the upgraded connection may stay open for hours and need not keep any of this.
      socket.removeListener('close', closed);
      this.write(request.method, request.url, statusOf(chunk), started, { ip, upgrade: true });
    };
    const closed = () => answered(undefined);
    target.write = function (this: unknown, ...args: unknown[]) {
      answered(args[0]);
      return original.write.apply(this, args);
    };
    target.end = function (this: unknown, ...args: unknown[]) {
      answered(args[0]);
      return original.end.apply(this, args);
    };
    socket.once('close', closed);
  }

  private write(
    method: string | undefined,
    url: string | undefined,
    status: number | undefined,
    started: number,
    extra: Record<string, unknown>,
  ): void {
    try {
      const path = redactText((url ?? '').slice(0, 2048));
      const refused = status !== undefined && status >= 400;
      const client = `from ${String(extra.ip)}`;
      if (refused && !this.refusals.admit(`${method} ${path} ${status} ${client}`, client)) return;
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      this.logger.log({ msg: `${method} ${path} ${status ?? '-'}`, method, path, status: status ?? null, durationMs, ...extra });
    } catch {
      // Logging must never break a request.
    }
  }
}

function statusOf(chunk: unknown): number | undefined {
  const head = typeof chunk === 'string' ? chunk.slice(0, 16) : Buffer.isBuffer(chunk) ? chunk.subarray(0, 16).toString('latin1') : '';
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return match ? Number(match[1]) : undefined;
}
