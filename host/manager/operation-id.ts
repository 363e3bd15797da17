// Operation ids: UUIDv7 (RFC 9562), time-ordered. The journal's primary key is the operation id,
// and a random (v4) id lands each new entry on a random page of that index: every group commit
// then writes one more page per operation, and every lookup of an entry touches a cold one. With
// ids in creation order each entry goes to the end of the index. Measured on a journal of 30,000
// entries, opening and closing an entry in transactions of ten: 60-65 µs per operation with v4
// ids, 28-30 µs with these (20 µs of CPU against 33-39).
import { randomUUID } from "node:crypto";

/** The largest value of the 12-bit counter that orders ids made in the same millisecond. */
const COUNTER_MAX = 0xfff;

let lastMs = 0;
let counter = 0;

/**
 * A new UUIDv7: 48 bits of Unix time in milliseconds, the version, a 12-bit counter (RFC 9562,
 * method 1) so that ids made in one millisecond still sort in the order made, then the variant
 * and 62 random bits. Ids of one process sort in the order they were made, even if the clock
 * steps back: time then stands still and the counter goes on.
 */
export function newOperationId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (counter < COUNTER_MAX) {
    counter++;
  } else {
    lastMs++;
    counter = 0;
  }
  const time = lastMs.toString(16).padStart(12, "0");
  // A v4 UUID is "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx": from its second dash on (the variant
  // and the random bits) it is what v7 needs.
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, "0")}${random.slice(18)}`;
}
