/**
 * The realtime event names CONTRACT.md defines, read from its text rather than typed again: the
 * backticked names in the event tables and lists of §1, §3 and §5 to §8, with the surface their
 * section describes.
 */

export type Surface = 'socketIo' | 'wsCall' | 'wsSignaling';

export interface ContractEvent {
  name: string;
  surface: Surface;
  section: string;
  /** Known for table rows, whose column header says who sends it. */
  sentBy?: 'client' | 'server';
}

const SURFACE_OF_SECTION: Record<string, Surface> = {
  '1': 'socketIo',
  '3': 'socketIo',
  '5': 'socketIo',
  '6': 'wsCall',
  '7': 'wsSignaling',
  '8': 'socketIo',
};

/** An event name, alone or with its payload: `offer`, `call.ring`, `webrtc:end-call {from, callId}`. */
const NAME_LIKE = /^([A-Za-z][A-Za-z0-9_.:-]*)(\s*\{[\s\S]*\})?$/;
/** What may stand between two names of one list: `a`, `b` / `a` / `b` / `a` → `b`. */
const CONNECTOR = /^\s*(,|\/|→)\s*$/;
/** `X` to the caller: a name followed by whom it goes to. */
const ADDRESSED = /^\s+to the\b/;

interface Span {
  text: string;
  name?: string;
  hasPayload: boolean;
  /** The text between this span and the next one. */
  after: string;
}

function spansOf(text: string): Span[] {
  const parts = text.split('`');
  const spans: Span[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const match = NAME_LIKE.exec(parts[i].trim());
    spans.push({ text: parts[i], name: match?.[1], hasPayload: Boolean(match?.[2]), after: parts[i + 1] ?? '' });
  }
  return spans;
}

/**
 * Names in running text: a name with a payload is an event; so is every name of a list joined by
 * `,` `/` `→` that holds one with a payload or an arrow, and a name followed by whom it goes to.
 * Bare names elsewhere (field names, roles, variables) are not events.
 */
function namesInProse(text: string): string[] {
  const names: string[] = [];
  let run: Span[] = [];
  let arrow = false;
  const closeRun = () => {
    const last = run[run.length - 1];
    if (arrow || run.some((span) => span.hasPayload) || (last && ADDRESSED.test(last.after))) names.push(...run.map((span) => span.name!));
    run = [];
    arrow = false;
  };
  for (const span of spansOf(text)) {
    const previous = run[run.length - 1];
    if (!span.name || !previous || !CONNECTOR.test(previous.after)) closeRun();
    else arrow ||= previous.after.includes('→');
    if (span.name) run.push(span);
  }
  closeRun();
  return names;
}

/** Cells of a pipe-table row; `\|` inside a cell is not a separator. */
const cellsOf = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

function senderOfColumn(header: string): 'client' | 'server' | undefined {
  if (/client\s*→\s*server/.test(header)) return 'client';
  if (/server\s*→\s*(client|peer)/.test(header)) return 'server';
  return undefined;
}

/** The names a cell starts with (`acceptCall` / `declineCall` / `cancelCall`), before any prose. */
function leadingNames(cell: string): string[] {
  if (!cell.startsWith('`')) return [];
  const names: string[] = [];
  for (const span of spansOf(cell)) {
    if (!span.name) break;
    names.push(span.name);
    if (!CONNECTOR.test(span.after)) break;
  }
  return names;
}

function eventsInTable(rows: string[], section: string, surface: Surface): ContractEvent[] {
  const [header, , ...body] = rows.map(cellsOf);
  const events: ContractEvent[] = [];
  for (const cells of body) {
    cells.forEach((cell, column) => {
      const sentBy = senderOfColumn(header[column] ?? '');
      if (sentBy) events.push(...leadingNames(cell).map((name) => ({ name, surface, section, sentBy })));
      else
        events.push(
          ...spansOf(cell)
            .filter((span) => span.name && span.hasPayload)
            .map((span) => ({ name: span.name!, surface, section })),
        );
    });
  }
  return events;
}

export function contractEvents(markdown: string): ContractEvent[] {
  const events: ContractEvent[] = [];
  for (const chunk of markdown.split(/^## /m).slice(1)) {
    const section = /^(\d+)\./.exec(chunk)?.[1];
    const surface = section ? SURFACE_OF_SECTION[section] : undefined;
    if (!section || !surface) continue;
    const lines = chunk.split('\n').slice(1);
    const prose: string[] = [];
    let table: string[] = [];
    for (const line of [...lines, '']) {
      if (line.trim().startsWith('|')) {
        table.push(line);
        continue;
      }
      if (table.length) events.push(...eventsInTable(table, section, surface));
      table = [];
      prose.push(line);
    }
    for (const paragraph of prose.join('\n').split(/\n\s*\n/)) {
      events.push(...namesInProse(paragraph).map((name) => ({ name, surface, section })));
    }
  }
  return events;
}
