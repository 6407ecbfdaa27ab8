import {
  isObject,
  type AsyncApiView,
  type ChannelView,
  type Json,
  type JsonObject,
  type MessageView,
  type OperationView,
} from './asyncapi-model';
import { escapeHtml, renderInline, renderMarkdown } from './html-text';
import { exampleOf } from './schema-example';

/** Anchor ids: the document's keys are already [A-Za-z0-9._-]; anything else becomes `-`. */
const anchor = (prefix: string, id: string) => `${prefix}-${id.replace(/[^A-Za-z0-9._-]/g, '-')}`;

/** A schema as indented JSON, escaped, with its `#/components/schemas/X` references linked to X. */
function renderJson(value: Json | undefined): string {
  const json = escapeHtml(JSON.stringify(value ?? null, null, 2));
  const linked = json.replace(
    /&quot;#\/components\/schemas\/([A-Za-z0-9._-]+)&quot;/g,
    (whole, name: string) => `<a href="#${anchor('schema', name)}">${whole}</a>`,
  );
  return `<pre><code>${linked}</code></pre>`;
}

type Schemas = ReadonlyMap<string, Json>;

/** What rendering one part needs from the rest: schemas by name, and the operation that sends each message. */
interface Page {
  schemas: Schemas;
  senderOf: ReadonlyMap<string, string>;
}
const SCHEMA_REF = '#/components/schemas/';

/** The component a `{$ref}` or `{allOf: [{$ref}]}` points at, by name. */
function referencedName(schema: JsonObject): string | undefined {
  const target = Array.isArray(schema.allOf) && schema.allOf.length === 1 ? schema.allOf[0] : schema;
  return isObject(target) && typeof target.$ref === 'string' && target.$ref.startsWith(SCHEMA_REF)
    ? target.$ref.slice(SCHEMA_REF.length)
    : undefined;
}

/** A one-line type: `string ≤ 200`, `"video" | "audio"`, `RoomParticipant[]`, a link for a named schema. */
function typeSummary(schema: Json | undefined): string {
  if (!isObject(schema)) return '';
  const name = referencedName(schema);
  if (name) return `<a href="#${anchor('schema', name)}">${escapeHtml(name)}</a>`;
  if (Array.isArray(schema.oneOf)) return schema.oneOf.map(typeSummary).join(' | ');
  if ('const' in schema) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => `<code>${escapeHtml(JSON.stringify(value))}</code>`).join(' | ');
  if (schema.type === 'array')
    return `${typeSummary(schema.items) || 'any'}[]${typeof schema.maxItems === 'number' ? ` (≤ ${schema.maxItems})` : ''}`;
  const types = Array.isArray(schema.type) ? (schema.type as string[]).join(' | ') : typeof schema.type === 'string' ? schema.type : 'any';
  const limits = [
    typeof schema.minLength === 'number' && schema.minLength > 0 ? `≥ ${schema.minLength} chars` : '',
    typeof schema.maxLength === 'number' ? `≤ ${schema.maxLength} chars` : '',
    typeof schema.pattern === 'string' ? `pattern <code>${escapeHtml(schema.pattern)}</code>` : '',
    typeof schema['x-max-json-bytes'] === 'number' ? `≤ ${schema['x-max-json-bytes']} bytes as JSON` : '',
  ].filter(Boolean);
  return `${escapeHtml(types)}${limits.length ? ` (${limits.join(', ')})` : ''}`;
}

/** A table of the payload's top-level fields, above its full schema. */
function renderFields(payload: Json | undefined, schemas: Schemas): string {
  let schema = isObject(payload) ? payload : undefined;
  const name = schema && referencedName(schema);
  if (name) schema = isObject(schemas.get(name)) ? (schemas.get(name) as JsonObject) : undefined;
  if (!schema || !isObject(schema.properties)) return '';
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const rows = Object.entries(schema.properties).map(([field, property]) => {
    const described = isObject(property) ? (typeof property.description === 'string' ? property.description : undefined) : undefined;
    return `<tr><td><code>${escapeHtml(field)}</code>${required.has(field) ? '' : ' <span class="optional">optional</span>'}</td><td>${typeSummary(property)}</td><td>${renderInline(described ?? '')}</td></tr>`;
  });
  const closed =
    schema.additionalProperties === false ? '<p class="closed">Other fields are refused (<code>validation_failed</code>).</p>' : '';
  return `<table class="fields"><thead><tr><th>field</th><th>type</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>${closed}`;
}

const tagList = (tags: string[]) => tags.map((tag) => `<span class="tag tag-${escapeHtml(tag)}">${escapeHtml(tag)}</span>`).join(' ');

/**
 * A message: its summary and top-level fields, then its examples (the document's, or one made from
 * its schema) and its full schema, folded so that the page stays short enough to scroll.
 */
function renderMessage(message: MessageView, heading: string, page: Page): string {
  const given = message.examples.map(
    (example) =>
      `<details><summary>Example${typeof example.name === 'string' ? `: ${escapeHtml(example.name)}` : ''}</summary>${renderJson(example.payload)}</details>`,
  );
  const made = given.length ? undefined : exampleOf(message.payload, page.schemas);
  const examples = made === undefined ? given : [`<details><summary>Example (from the schema)</summary>${renderJson(made)}</details>`];
  return [
    heading,
    message.summary ? `<p class="summary">${renderInline(message.summary)}</p>` : '',
    renderMarkdown(message.description),
    renderFields(message.payload, page.schemas),
    ...examples,
    `<details><summary>Payload schema</summary>${renderJson(message.payload)}</details>`,
  ].join('\n');
}

/** A reply that is also an event of its own (raw WebSocket) links to it; an acknowledgement is shown in full. */
function renderReply(reply: MessageView, page: Page): string {
  const sender = page.senderOf.get(reply.key);
  if (!sender) return renderMessage(reply, `<h6><code>${escapeHtml(reply.name)}</code></h6>`, page);
  return `<p><a href="#${anchor('op', sender)}"><code>${escapeHtml(reply.name)}</code></a> ${renderInline(reply.summary ?? '')}</p>`;
}

function renderOperation(operation: OperationView, page: Page): string {
  const messages = operation.messages
    .map((message) => {
      const title = message.title ? ` <span class="title">${escapeHtml(message.title)}</span>` : '';
      return renderMessage(
        message,
        `<h4><code class="event">${escapeHtml(message.name)}</code>${title} ${tagList(message.tags)}</h4>`,
        page,
      );
    })
    .join('\n');
  const replyLabel = operation.replies.some((reply) => reply.key.startsWith('io.ack.')) ? 'Acknowledgement' : 'Replies';
  const replies = operation.replies.length
    ? `<div class="reply"><h5>${replyLabel}</h5>${operation.replies.map((reply) => renderReply(reply, page)).join('\n')}</div>`
    : '';
  return `<article class="operation" id="${anchor('op', operation.id)}">
${messages}
${renderMarkdown(operation.description)}
<p class="operation-id">operation <code>${escapeHtml(operation.id)}</code> (${operation.action})</p>
${replies}
</article>`;
}

const DIRECTIONS = [
  { key: 'receive', label: 'Client → server', note: 'the client sends these (the server receives)' },
  { key: 'send', label: 'Server → client', note: 'the client listens for these (the server sends)' },
] as const;

function renderChannel(channel: ChannelView, page: Page): string {
  const sections = DIRECTIONS.map(
    ({ key, label, note }) => `<h3 id="${anchor(`channel-${key}`, channel.id)}">${label} <small>${note}</small></h3>
${channel[key].map((operation) => renderOperation(operation, page)).join('\n')}`,
  ).join('\n');
  return `<section id="${anchor('channel', channel.id)}">
<h2>${escapeHtml(channel.title ?? channel.id)}</h2>
<p class="address">address <code>${escapeHtml(channel.address)}</code> · channel <code>${escapeHtml(channel.id)}</code></p>
${channel.summary ? `<p class="summary">${renderInline(channel.summary)}</p>` : ''}
${renderMarkdown(channel.description)}
${sections}
</section>`;
}

function renderNavigation(view: AsyncApiView): string {
  const channels = view.channels
    .map((channel) => {
      const groups = DIRECTIONS.map(({ key, label }) => {
        const items = channel[key]
          .flatMap((operation) =>
            operation.messages.map((message) => `<li><a href="#${anchor('op', operation.id)}">${escapeHtml(message.name)}</a></li>`),
          )
          .join('');
        return `<li><a href="#${anchor(`channel-${key}`, channel.id)}">${label}</a><ul>${items}</ul></li>`;
      }).join('');
      return `<li><a href="#${anchor('channel', channel.id)}">${escapeHtml(channel.title ?? channel.id)}</a><ul>${groups}</ul></li>`;
    })
    .join('');
  return `<nav><ul><li><a href="#overview">Overview</a></li><li><a href="#servers">Servers and security</a></li>${channels}<li><a href="#schemas">Schemas</a></li></ul></nav>`;
}

function renderServers(view: AsyncApiView): string {
  const servers = view.servers
    .map(
      (server) =>
        `<tr><td><code>${escapeHtml(server.id)}</code></td><td><code>${escapeHtml(server.url)}</code></td><td>${renderInline(server.summary ?? server.title ?? '')} ${renderInline(server.description ?? '')}</td></tr>`,
    )
    .join('');
  const schemes = view.securitySchemes
    .map(
      (scheme) =>
        `<tr><td><code>${escapeHtml(scheme.id)}</code></td><td>${escapeHtml(scheme.type)}</td><td>${renderInline(scheme.description ?? '')}</td></tr>`,
    )
    .join('');
  return `<section id="servers"><h2>Servers</h2>
<table><thead><tr><th>server</th><th>url</th><th></th></tr></thead><tbody>${servers}</tbody></table>
<h3>Security schemes</h3>
<table><thead><tr><th>scheme</th><th>type</th><th></th></tr></thead><tbody>${schemes}</tbody></table></section>`;
}

function renderSchemas(view: AsyncApiView, schemas: Schemas): string {
  const articles = view.schemas.map(({ name, schema }) => {
    const description = isObject(schema) && typeof schema.description === 'string' ? renderMarkdown(schema.description) : '';
    const fields = renderFields(schema, schemas);
    const summary = fields ? '' : `<p>${typeSummary(isObject(schema) ? { ...schema, description: null } : schema)}</p>`;
    return `<article class="schema" id="${anchor('schema', name)}"><h3><code>${escapeHtml(name)}</code></h3>${description}${fields}${summary}<details><summary>Schema</summary>${renderJson(schema)}</details></article>`;
  });
  return `<section id="schemas"><h2>Schemas</h2>${articles.join('\n')}</section>`;
}

const STYLE = `
:root { --ink: #1d2330; --muted: #5b6475; --line: #dde2ea; --code: #f4f6fa; --accent: #1f5fbf; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
header { padding: 20px 32px; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 4px; font-size: 24px; }
.meta { margin: 0; color: var(--muted); }
.layout { display: grid; grid-template-columns: 280px minmax(0, 1fr); }
nav { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; padding: 16px; border-right: 1px solid var(--line); font-size: 13px; }
nav ul { list-style: none; margin: 0; padding-left: 12px; }
nav > ul { padding-left: 0; }
main { padding: 8px 32px 64px; min-width: 0; }
section { margin-top: 24px; }
h2 { border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 small { font-weight: normal; color: var(--muted); font-size: 13px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { background: var(--code); padding: 1px 4px; border-radius: 3px; font-size: 13px; }
pre { background: var(--code); padding: 12px; border-radius: 6px; overflow: auto; font-size: 12.5px; }
pre code { padding: 0; background: none; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
.operation { border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 8px; margin: 12px 0; }
.operation h4 { margin: 12px 0 4px; font-size: 16px; }
.event { font-size: 15px; font-weight: 600; }
.title { font-weight: normal; color: var(--muted); }
.summary { margin: 4px 0; }
.operation-id { color: var(--muted); font-size: 12px; }
.reply { border-left: 3px solid var(--line); padding-left: 12px; }
.reply h5 { margin: 8px 0 0; }
.reply h6 { margin: 8px 0 0; font-size: 13px; }
.tag { display: inline-block; font-size: 11px; font-weight: normal; padding: 0 6px; border-radius: 8px; background: #e8eefb; color: #2c4a86; }
.tag-ext { background: #fcefd9; color: #8a5300; }
.fields { font-size: 13.5px; }
.optional { color: var(--muted); font-size: 11px; }
.closed { color: var(--muted); font-size: 12px; margin-top: -8px; }
details summary { cursor: pointer; color: var(--muted); font-size: 13px; }
@media (max-width: 760px) {
  body { font-size: 14px; }
  header { padding: 12px 14px; }
  .layout { grid-template-columns: minmax(0, 1fr); }
  nav { position: static; max-height: 40vh; border-right: 0; border-bottom: 1px solid var(--line); }
  main { padding: 4px 12px 48px; }
  .operation { padding: 4px 10px 8px; }
  table { display: block; overflow-x: auto; }
}
`;

/** The whole document as one self-contained page: no scripts, no external resources. */
export function renderAsyncApiHtml(view: AsyncApiView, links: { yaml: string; json: string }): string {
  const schemas: Schemas = new Map(view.schemas.map(({ name, schema }) => [name, schema]));
  const senderOf = new Map(
    view.channels.flatMap((channel) => channel.send.flatMap((op) => op.messages.map((message) => [message.key, op.id] as const))),
  );
  const page: Page = { schemas, senderOf };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(view.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(view.title)}</h1>
<p class="meta">version ${escapeHtml(view.apiVersion)} · AsyncAPI ${escapeHtml(view.version)} · <a href="${escapeHtml(links.yaml)}">YAML</a> · <a href="${escapeHtml(links.json)}">JSON</a></p>
</header>
<div class="layout">
${renderNavigation(view)}
<main>
<section id="overview"><h2>Overview</h2>${renderMarkdown(view.description)}</section>
${renderServers(view)}
${view.channels.map((channel) => renderChannel(channel, page)).join('\n')}
${renderSchemas(view, schemas)}
</main>
</div>
</body>
</html>
`;
}
