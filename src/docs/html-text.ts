/** Text into HTML for the documentation pages: everything is escaped before any markup is added. */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]);
}

/** `code` and **bold**, the only inline markup the document's descriptions use. */
export function renderInline(text: string): string {
  return text
    .split('`')
    .map((part, index) =>
      index % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>'),
    )
    .join('');
}

const cellsOf = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((cell) => cell.trim());

function renderTable(lines: string[]): string {
  const [head, , ...rows] = lines;
  const header = cellsOf(head)
    .map((cell) => `<th>${renderInline(cell)}</th>`)
    .join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${cellsOf(row)
          .map((cell) => `<td>${renderInline(cell)}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${header}</tr></thead><tbody>${body}</tbody></table>`;
}

function renderList(lines: string[]): string {
  const items: string[] = [];
  for (const line of lines) {
    if (line.startsWith('- ')) items.push(line.slice(2));
    else items[items.length - 1] += ` ${line.trim()}`;
  }
  return `<ul>${items.map((item) => `<li>${renderInline(item)}</li>`).join('')}</ul>`;
}

/**
 * The small Markdown subset the AsyncAPI descriptions are written in: paragraphs, `###` headings,
 * `- ` lists, pipe tables, `code` and **bold**. Anything else shows as plain (escaped) text.
 */
export function renderMarkdown(text: string | undefined): string {
  if (!text) return '';
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split('\n');
      const heading = /^(#{1,6})\s+(.*)$/.exec(block);
      if (heading && lines.length === 1) {
        const level = Math.min(Math.max(heading[1].length, 3), 6);
        return `<h${level}>${renderInline(heading[2])}</h${level}>`;
      }
      if (lines.length > 1 && lines.every((line) => line.trim().startsWith('|'))) return renderTable(lines);
      if (lines[0].startsWith('- ')) return renderList(lines);
      return `<p>${renderInline(lines.join(' '))}</p>`;
    })
    .join('\n');
}
