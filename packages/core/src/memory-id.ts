import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

// Random bytes are drawn in blocks: one call to the system's generator per 256 ids instead of one per id (a bulk
// import of 20,000 memories spent about 0.2 s drawing them one id at a time).
const IDS_PER_DRAW = 256;
const random = Buffer.alloc(16 * IDS_PER_DRAW);
let offset = random.length;

/**
 * A new memory id: a UUIDv7 (RFC 9562) whose 12-bit counter keeps ids made in the same millisecond increasing,
 * so that ordering by (createdAt, id) is insertion order and an export re-imports in the same order.
 */
export function newMemoryId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    // Out of counter in this millisecond: borrow the next one rather than lose monotonicity.
    lastMs += 1;
    sequence = 0;
  }
  if (offset === random.length) {
    randomFillSync(random);
    offset = 0;
  }
  // Each block of 16 bytes is used once; its first 8 are overwritten by the time and the version.
  const bytes = random.subarray(offset, offset + 16);
  offset += 16;
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
