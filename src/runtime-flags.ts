import { setFlagsFromString } from 'node:v8';

/**
 * V8 tuning, set before anything else loads (main.ts imports this first).
 *
 * Allocation-site pretenuring: V8 watches which allocation sites' objects survive young
 * collections and then allocates those sites' objects straight in the old generation. The
 * database traffic of start-up trains it on Node's own Buffer sites, so afterwards every relayed
 * message's buffers went to the old generation, and only a full mark-compact of the whole heap
 * freed them: one every 2 s at 5 000 offers/s, for about a fifth of the relay's CPU and its
 * 20-40 ms latency spikes (bench/analysis.md). A signaling server's objects are short-lived.
 */
setFlagsFromString('--no-allocation-site-pretenuring');
