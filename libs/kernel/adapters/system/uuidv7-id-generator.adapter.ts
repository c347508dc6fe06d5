import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';
import type { IdGenerator } from '../../application/ports/id-generator.port';

const POOL_BYTES = 16 * 256;

/**
 * UUIDv7 (RFC 9562) from the `uuid` package, with its random bytes drawn from a pool refilled 256
 * ids at a time: `uuid` asks the system for 16 bytes per id, and a write makes three ids (task,
 * event, command). In this sandbox that system call was 3.4% of the queued write's CPU.
 * Monotonic within a millisecond the way `uuid` does it: a random 32-bit sequence at each new
 * millisecond, incremented within it (overflowing into the next millisecond).
 */
export class UuidV7IdGenerator implements IdGenerator {
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private offset = POOL_BYTES;
  private msecs = -Infinity;
  private seq = 0;

  next(): string {
    if (this.offset === POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const random = this.pool.subarray(this.offset, this.offset + 16);
    this.offset += 16;
    const now = Date.now();
    if (now > this.msecs) {
      // 31 bits, like `uuid`: room to count up within the millisecond.
      this.seq = random.readUInt32BE(6) & 0x7fffffff;
      this.msecs = now;
    } else {
      this.seq = (this.seq + 1) | 0;
      if (this.seq === 0) this.msecs += 1;
    }
    return v7({ random, msecs: this.msecs, seq: this.seq });
  }
}
