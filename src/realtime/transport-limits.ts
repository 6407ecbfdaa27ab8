import type { AppConfig } from '../config/app-config';

/** Room for the JSON envelope around the largest signaling payload. */
const FRAME_OVERHEAD_BYTES = 16_384;

/**
 * The largest frame a realtime client may send (Socket.IO maxHttpBufferSize, raw WebSocket
 * maxPayload). Over it the transport closes the connection; a payload under it but over
 * MAX_SIGNAL_BYTES gets `payload_too_large` and the connection stays.
 */
export function maxFrameBytes(config: Pick<AppConfig, 'calls'>): number {
  return config.calls.maxSignalBytes + FRAME_OVERHEAD_BYTES;
}
