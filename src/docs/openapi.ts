import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BEARER_SCHEME } from '../auth/api-authenticated.decorator';
import { toHttpErrorBody } from '../common/errors';
import { normalizeHttpError } from '../common/http-exception.filter';
import { METRICS_TOKEN_SCHEME } from '../observability/metrics.controller';

/** Swagger UI here, the document at `/docs-json` (and `/docs-yaml`); the realtime docs live under `/docs/realtime`. */
export const OPENAPI_UI_PATH = 'docs';

export const OPENAPI_TAGS = {
  auth: 'Register, sign in, and who am I',
  users: 'Public profiles',
  calls: 'The call core over REST: start, answer, end, history, ICE servers',
  'video-calls': 'The room links of the `webrtc:*` protocol under /api/video/calls, answered in a `{success, data}` envelope',
  chat: 'Conversations, messages, read receipts and attachments',
  presence: "Who is online, and mentors' and tutors' availability",
  webhooks: "Your platform's webhook: the events sent, their attempts, and replay (administrators)",
  health: 'Liveness and readiness probes',
  metrics: 'Prometheus metrics',
  docs: 'The realtime API (AsyncAPI 3), as a page and as the document',
  demo: 'The reference web client',
} as const;

const DESCRIPTION = `The REST half of the call-signaling server. The realtime dialects (Socket.IO and raw WebSocket) are described at [/docs/realtime](/docs/realtime).

**Authentication**: every route but register, login, health and metrics needs \`Authorization: Bearer <accessToken>\` (from register or login).

**Errors**: \`{statusCode, code, message, details?}\` with a \`code\` from one catalogue (\`ErrorCode\`); \`validation_failed\` carries the messages per field in \`details\`. The /api/video routes answer \`{success: false, error: {code, message}}\` instead. Any route may also answer 500 \`internal\` (for example while the database is unreachable), without internal detail, or 503 \`unavailable\` while the shared state (Redis) is briefly unreachable: send it again after \`details.retryAfterMs\` (also in \`Retry-After\`, in seconds).

**Limits**: RATE_LIMIT_HTTP_PER_MIN requests a minute per user and per address; register and login share RATE_LIMIT_AUTH_PER_MIN per address. Over a limit: 429 \`rate_limited\` with \`Retry-After\`.`;

/** package.json sits two levels above this file both in src/docs (ts-node, jest) and in dist/docs (the build). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function documentConfig() {
  const builder = new DocumentBuilder()
    .setTitle('Call-signaling server')
    .setVersion(packageVersion())
    .setDescription(DESCRIPTION)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The accessToken from register or login' },
      BEARER_SCHEME,
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the operator set one' }, METRICS_TOKEN_SCHEME);
  for (const [name, description] of Object.entries(OPENAPI_TAGS)) builder.addTag(name, description);
  return builder.build();
}

/** Controller and method, e.g. `Calls_start`: stable operation ids for generated clients. */
const operationId = (controllerKey: string, methodKey: string) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`;

/**
 * Serves the OpenAPI document built from the controllers' and DTOs' decorators, with Swagger UI
 * and its assets from swagger-ui-dist (no CDN). These routes sit on the Express instance itself,
 * ahead of Nest's router: no guard, pipe or filter sees them, so they need no token and are not
 * rate-limited. Its static assets fall through for any other path, so /docs/realtime* still
 * reaches its controller.
 */
export function setUpOpenApi(app: INestApplication): void {
  let document: OpenAPIObject | undefined;
  // Built on the first request: start-up stays as fast as before, and every route is known by then.
  const buildDocument = () => (document ??= SwaggerModule.createDocument(app, documentConfig(), { operationIdFactory: operationId }));
  SwaggerModule.setup(OPENAPI_UI_PATH, app, buildDocument, {
    jsonDocumentUrl: `${OPENAPI_UI_PATH}-json`,
    yamlDocumentUrl: `${OPENAPI_UI_PATH}-yaml`,
    customSiteTitle: 'Call-signaling server: REST API',
    swaggerOptions: { tagsSorter: 'alpha' },
  });
  // Swagger's routes throw outside Nest (its LICENSE route answers with a NotFoundException):
  // render those in the contract's error shape, not Express's HTML page (with a stack trace outside production).
  const swaggerPaths = [`/${OPENAPI_UI_PATH}`, `/${OPENAPI_UI_PATH}-json`, `/${OPENAPI_UI_PATH}-yaml`];
  app.use(swaggerPaths, (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const body = toHttpErrorBody(normalizeHttpError(error));
    response.status(body.statusCode).json(body);
  });
}
