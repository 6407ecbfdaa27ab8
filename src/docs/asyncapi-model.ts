/**
 * A reading of the AsyncAPI 3 document for the HTML page: channels with their operations, each
 * with its message and replies, references followed. The official parser is a development tool
 * (test/asyncapi.spec.ts validates the document with it); at run time plain YAML is enough.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export interface MessageView {
  key: string;
  name: string;
  title?: string;
  summary?: string;
  description?: string;
  tags: string[];
  payload?: Json;
  examples: JsonObject[];
}

export interface OperationView {
  id: string;
  action: 'send' | 'receive';
  title?: string;
  summary?: string;
  description?: string;
  messages: MessageView[];
  replies: MessageView[];
}

export interface ChannelView {
  id: string;
  address: string;
  title?: string;
  summary?: string;
  description?: string;
  /** What clients send (the server receives), then what the server sends. */
  receive: OperationView[];
  send: OperationView[];
}

export interface ServerView {
  id: string;
  url: string;
  protocol: string;
  title?: string;
  summary?: string;
  description?: string;
}

export interface AsyncApiView {
  version: string;
  title: string;
  apiVersion: string;
  description?: string;
  servers: ServerView[];
  channels: ChannelView[];
  securitySchemes: Array<{ id: string; type: string; description?: string }>;
  schemas: Array<{ name: string; schema: Json }>;
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const textOf = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
const entriesOf = (value: Json | undefined): Array<[string, Json]> => (isObject(value) ? Object.entries(value) : []);
const listOf = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);

/** The last segment of a local reference: `#/channels/x/messages/y` → `y`. */
const refName = (ref: string) =>
  decodeURIComponent(ref.slice(ref.lastIndexOf('/') + 1))
    .replace(/~1/g, '/')
    .replace(/~0/g, '~');

/** Follows local `$ref`s (`#/components/messages/x`) until it reaches an object that is not one. */
export function resolve(root: JsonObject, value: Json | undefined): JsonObject | undefined {
  let current = value;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    if (hops > 16 || !current.$ref.startsWith('#/')) return undefined;
    current = current.$ref
      .slice(2)
      .split('/')
      .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<Json | undefined>((node, key) => (isObject(node) ? node[key] : undefined), root);
  }
  return isObject(current) ? current : undefined;
}

function messageView(root: JsonObject, reference: Json): MessageView | undefined {
  const message = resolve(root, reference);
  if (!message) return undefined;
  const key = isObject(reference) && typeof reference.$ref === 'string' ? refName(reference.$ref) : '';
  return {
    key,
    name: textOf(message.name) ?? key,
    title: textOf(message.title),
    summary: textOf(message.summary),
    description: textOf(message.description),
    tags: listOf(message.tags).flatMap((tag) => textOf(resolve(root, tag)?.name) ?? []),
    payload: message.payload,
    examples: listOf(message.examples).filter(isObject),
  };
}

const messagesOf = (root: JsonObject, references: Json | undefined) =>
  listOf(references).flatMap((reference) => messageView(root, reference) ?? []);

function operationView(root: JsonObject, id: string, operation: JsonObject): OperationView {
  return {
    id,
    action: operation.action === 'send' ? 'send' : 'receive',
    title: textOf(operation.title),
    summary: textOf(operation.summary),
    description: textOf(operation.description),
    messages: messagesOf(root, operation.messages),
    replies: messagesOf(root, resolve(root, operation.reply)?.messages),
  };
}

export function readAsyncApi(root: JsonObject): AsyncApiView {
  const info = isObject(root.info) ? root.info : {};
  const components = isObject(root.components) ? root.components : {};
  const operations = entriesOf(root.operations).flatMap(([id, value]) => {
    const operation = resolve(root, value);
    return operation ? [{ operation, view: operationView(root, id, operation) }] : [];
  });
  const channels = entriesOf(root.channels).flatMap(([id, value]): ChannelView[] => {
    const channel = resolve(root, value);
    if (!channel) return [];
    const own = operations
      .filter(({ operation }) => isObject(operation.channel) && operation.channel.$ref === `#/channels/${id}`)
      .map(({ view }) => view);
    return [
      {
        id,
        address: textOf(channel.address) ?? '',
        title: textOf(channel.title),
        summary: textOf(channel.summary),
        description: textOf(channel.description),
        receive: own.filter((op) => op.action === 'receive'),
        send: own.filter((op) => op.action === 'send'),
      },
    ];
  });
  const servers = entriesOf(root.servers).flatMap(([id, value]): ServerView[] => {
    const server = resolve(root, value);
    if (!server) return [];
    const protocol = textOf(server.protocol) ?? '';
    return [
      {
        id,
        protocol,
        url: `${protocol}://${textOf(server.host) ?? ''}${textOf(server.pathname) ?? ''}`,
        title: textOf(server.title),
        summary: textOf(server.summary),
        description: textOf(server.description),
      },
    ];
  });
  return {
    version: textOf(root.asyncapi) ?? '',
    title: textOf(info.title) ?? 'AsyncAPI',
    apiVersion: textOf(info.version) ?? '',
    description: textOf(info.description),
    servers,
    channels,
    securitySchemes: entriesOf(components.securitySchemes).flatMap(([id, value]) => {
      const scheme = resolve(root, value);
      return scheme ? [{ id, type: textOf(scheme.type) ?? '', description: textOf(scheme.description) }] : [];
    }),
    schemas: entriesOf(components.schemas).map(([name, schema]) => ({ name, schema })),
  };
}
