// The replay store behind `host.replay-insert`: records a token's `jti` (the component builds the
// key) until its expiry, atomically. Imports are synchronous, so a store answers at once.

/** What the component needs of a replay store. Throwing means "cannot answer": the component
 * then refuses the token (fails closed). */
export interface ReplayStore {
  /** Record `key` until `expiresAt` (Unix seconds). True if it was new, false if already there. */
  insert(key: string, expiresAt: number, now: number): boolean;
}

/** A bounded in-memory store for one process. When full of unexpired keys it refuses to answer
 * (so the component refuses the token) rather than forget a key that could then be replayed. */
export class MemoryReplayStore implements ReplayStore {
  private readonly entries = new Map<string, number>();

  constructor(readonly capacity = 100_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  insert(key: string, expiresAt: number, now: number): boolean {
    const prev = this.entries.get(key);
    if (prev !== undefined && prev >= now) return false;
    if (prev === undefined && this.entries.size >= this.capacity) {
      this.sweep(now);
      if (this.entries.size >= this.capacity) throw new Error('replay store full');
    }
    this.entries.set(key, expiresAt);
    return true;
  }

  /** Keys currently held (expired ones included until the next sweep). */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private sweep(now: number): void {
    for (const [key, exp] of this.entries) if (exp < now) this.entries.delete(key);
  }
}
