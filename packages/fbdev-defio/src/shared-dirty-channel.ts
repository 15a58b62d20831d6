import { BITMAP, bitmapWords, DOORBELL, LIVE, LIVENESS } from './layout.js';
import type { DirtyChannel } from './port.js';

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

/** Node 20 has Atomics.waitAsync; the ES2022 lib typings do not. */
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * Core side of a worker mapping: the shared dirty bitmap. Writers store data, then
 * `Atomics.or` the page bit; a 0→1 transition rings the doorbell. The core wakes on the doorbell
 * (Atomics.waitAsync), enlists the new bits and, at writeback, takes them with
 * `Atomics.exchange`, which synchronises with the writers' RMW: the data behind every taken bit
 * is visible to the consumers of that batch.
 */
export class SharedDirtyChannel implements DirtyChannel {
  readonly state: SharedArrayBuffer;
  private readonly words: Int32Array;
  /** bits already enlisted this cycle (core-private) */
  private readonly seen: Int32Array;
  /** set by start(); listen() only runs after it */
  declare private onRing: () => void;

  constructor(
    /** framebuffer page of mapping page 0 */
    private readonly first: number,
    pages: number,
  ) {
    const n = bitmapWords(pages);
    this.state = new SharedArrayBuffer((BITMAP + n) * 4);
    this.words = new Int32Array(this.state);
    this.seen = new Int32Array(n);
  }

  /** Starts listening to the doorbell; `onRing` runs (on the core's thread) after every ring. */
  start(onRing: () => void): void {
    this.onRing = onRing;
    this.listen();
  }

  collect(enlist: (page: number) => void): void {
    for (let w = 0; w < this.seen.length; w++) {
      const fresh = Atomics.load(this.words, BITMAP + w) & ~this.seen[w];
      if (fresh === 0) continue;
      this.seen[w] |= fresh;
      this.forEachBit(w, fresh, enlist);
    }
  }

  take(enlist: (page: number) => void): void {
    for (let w = 0; w < this.seen.length; w++) {
      // a 0 read is safe to skip: a writer setting the bit later sees 0 and rings for the next cycle
      if (Atomics.load(this.words, BITMAP + w) === 0) continue;
      const fresh = Atomics.exchange(this.words, BITMAP + w, 0) & ~this.seen[w];
      this.seen[w] = 0;
      this.forEachBit(w, fresh, enlist);
    }
  }

  shutdown(liveness: number): void {
    Atomics.store(this.words, LIVENESS, liveness);
    Atomics.add(this.words, DOORBELL, 1);
    Atomics.notify(this.words, DOORBELL);
  }

  private forEachBit(word: number, bits: number, enlist: (page: number) => void): void {
    let rest = bits;
    while (rest !== 0) {
      const low = rest & -rest;
      enlist(this.first + ((word << 5) | (31 - Math.clz32(low))));
      rest ^= low;
    }
  }

  /** Loops until the doorbell value is unchanged, then waits for the next ring without blocking. */
  private readonly listen = (): void => {
    for (;;) {
      if (Atomics.load(this.words, LIVENESS) !== LIVE) return;
      const ring = Atomics.load(this.words, DOORBELL);
      this.onRing();
      const wait = waitAsync(this.words, DOORBELL, ring);
      if (wait.async) {
        wait.value.then(this.listen);
        return;
      }
    }
  };
}
