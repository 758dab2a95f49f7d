/**
 * UUIDs that sort by creation (RFC 9562 version 7): a 48-bit millisecond timestamp, then a 12-bit
 * counter that keeps ids made in the same millisecond in order (RFC 9562 §6.2, method 1), then
 * random bits. Rows ordered by such an id come back in the order they were made — what a queue
 * needs when several entries share one timestamp — and they are still ordinary UUIDs.
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

export function orderedUuid(nowMs: number = Date.now()): string {
  let ms = Math.max(0, Math.floor(nowMs));
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    // 4,096 ids in one millisecond: borrow the next one rather than repeat an order.
    if (counter > 0xfff) {
      ms = lastMs + 1;
      counter = 0;
    }
  } else counter = 0;
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
