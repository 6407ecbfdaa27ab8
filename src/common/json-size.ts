/**
 * Whether JSON.stringify(value) is surely at most `limit` UTF-8 bytes, judged from an upper bound
 * without serializing: a string of n UTF-16 units takes at most 6n + 2 bytes (`\uXXXX` escapes),
 * a number at most 25. False means "not sure": measure it exactly then.
 */
export function jsonSurelyFits(value: unknown, limit: number): boolean {
  let bound = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === 'string') bound += 6 * node.length + 2;
    else if (typeof node === 'number') bound += 25;
    else if (typeof node !== 'object' || node === null) bound += 5;
    else if (Array.isArray(node)) {
      bound += 2 + node.length;
      for (const item of node) pending.push(item);
    } else if (Object.getPrototypeOf(node) === Object.prototype) {
      bound += 2;
      for (const key in node) {
        bound += 6 * key.length + 4;
        pending.push((node as Record<string, unknown>)[key]);
      }
    } else return false; // Buffers, dates, anything with its own toJSON
    if (bound > limit) return false;
  }
  return true;
}

/**
 * Whether JSON.stringify(value) is surely over `limit` bytes, judged from a lower bound without
 * serializing: a string takes at least its length + 2, and a Buffer (a Socket.IO binary
 * attachment) at least two bytes a byte, being written `{"type":"Buffer","data":[0,…]}`; that
 * spares turning a large one into an array of numbers only to refuse it.
 */
export function jsonSurelyExceeds(value: unknown, limit: number): boolean {
  let bound = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === 'string') bound += node.length + 2;
    else if (Buffer.isBuffer(node)) bound += 2 * node.length;
    else if (typeof node === 'object' && node !== null) {
      const children: unknown[] = Array.isArray(node) ? node : Object.getPrototypeOf(node) === Object.prototype ? Object.values(node) : [];
      for (const child of children) pending.push(child);
    }
    if (bound > limit) return true;
  }
  return false;
}
