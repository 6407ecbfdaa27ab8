/** Ids may arrive as numbers (the raw-WebSocket seeds send them); they are read as decimal strings. */
export function toIdString({ value }: { value: unknown }): unknown {
  return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
}
