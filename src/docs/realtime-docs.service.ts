import { Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AppError } from '../common/errors';
import { renderAsyncApiHtml } from './asyncapi-html';
import { isObject, Json, readAsyncApi } from './asyncapi-model';

/** docs/ sits two levels above this file both in src/docs (ts-node, jest) and in dist/docs (the build). */
export const ASYNCAPI_FILE = join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');

export const REALTIME_DOCS_ROUTES = { page: '/docs/realtime', yaml: '/docs/realtime.yaml', json: '/docs/realtime.json' } as const;

/** The realtime API document in the three forms served. */
export interface RealtimeDocs {
  yaml: string;
  json: string;
  html: string;
}

/** Reads, parses and renders the AsyncAPI document; throws when it is missing or not a YAML mapping. */
export function loadRealtimeDocs(file: string): RealtimeDocs {
  const yaml = readFileSync(file, 'utf8');
  const document = parse(yaml) as Json;
  if (!isObject(document)) throw new Error(`${file} is not a YAML mapping`);
  return {
    yaml,
    json: JSON.stringify(document),
    html: renderAsyncApiHtml(readAsyncApi(document), REALTIME_DOCS_ROUTES),
  };
}

/**
 * The AsyncAPI document, loaded and rendered once at start-up. A deployment that left out docs/
 * still serves calls: the routes then answer 404 and the log says why.
 */
@Injectable()
export class RealtimeDocsService {
  private readonly docs: RealtimeDocs | null;

  constructor() {
    try {
      this.docs = loadRealtimeDocs(ASYNCAPI_FILE);
    } catch (error) {
      new Logger('Docs').error(`The realtime API document is unavailable (${ASYNCAPI_FILE}): ${(error as Error).message}`);
      this.docs = null;
    }
  }

  get(): RealtimeDocs {
    if (!this.docs) throw new AppError('not_found', 'The realtime API document is not installed on this server');
    return this.docs;
  }
}
