// Markdown for BENCHMARKS.md: tables, and figures as "median (min–max)" over the runs.

/** A number, or a spread of runs as "median (min–max)"; digits after the point. */
export function fmt(value, digits = 0) {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (value.median === null) return '–';
  if (value.runs === 1 || value.min === value.max) return fmt(value.median, digits);
  return `${fmt(value.median, digits)} (${fmt(value.min, digits)}–${fmt(value.max, digits)})`;
}

/** A ratio to a baseline, as "1.08×" (the median of the per-run ratios, with their range). */
export function ratioCell(ratio) {
  if (!ratio || ratio.median === null || ratio.median === undefined) return '';
  const x = (v) => `${v.toFixed(2)}×`;
  return ratio.runs === 1 || ratio.min === ratio.max ? x(ratio.median) : `${x(ratio.median)} (${x(ratio.min)}–${x(ratio.max)})`;
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
