import {
  BITMAP,
  channelStateWords,
  DEAD,
  DOORBELL,
  IN_FLIGHT_MASK,
  LIVE,
  LIVENESS,
  PAGE_BITS,
  PAGES_PER_WORD_SHIFT,
} from './layout.js';
import type { DirtyChannel } from './port.js';

/**
 * A store in flight takes nanoseconds; one that stays in flight this long had its thread
 * terminated inside it (`worker.terminate()` may stop a thread at any call). munmap/cleanup then
 * give it up instead of blocking forever: such a store never returned, so nothing was promised.
 */
export const STORE_STALL_LIMIT_MS = 1000;

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

/** Node 20 has Atomics.waitAsync; the ES2022 lib typings do not. */
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * Core side of a worker mapping: the shared page words (see layout.ts). A writer announces its
 * store in the page word (in-flight count, checking DEAD in the same RMW), stores the data, then
 * sets the page bit and leaves in one compare-exchange; a 0→1 bit rings the doorbell. The core
 * wakes on the doorbell (Atomics.waitAsync), enlists the new bits and, at writeback, takes them
 * with `Atomics.and`, which synchronises with the writers' RMW: the data behind every taken bit
 * is visible to the consumers of that batch. Shutdown (munmap, cleanup) sets DEAD in every word
 * and waits for the stores in flight to leave, so its final take sees every store that landed.
 */
export class SharedDirtyChannel implements DirtyChannel {
  readonly state: SharedArrayBuffer;
  private readonly words: Int32Array;
  /** bits already enlisted this cycle (core-private), one entry per page word */
  private readonly seen: Int32Array;
  /** set by start(); listen() only runs after it */
  declare private onRing: () => void;

  constructor(
    /** framebuffer page of mapping page 0 */
    private readonly first: number,
    pages: number,
    /** how long shutdown waits for one store in flight before giving it up (see STORE_STALL_LIMIT_MS) */
    private readonly stallLimitMs = STORE_STALL_LIMIT_MS,
  ) {
    const total = channelStateWords(pages);
    this.state = new SharedArrayBuffer(total * 4);
    this.words = new Int32Array(this.state);
    this.seen = new Int32Array(total - BITMAP);
  }

  /** Starts listening to the doorbell; `onRing` runs (on the core's thread) after every ring. */
  start(onRing: () => void): void {
    this.onRing = onRing;
    this.listen();
  }

  collect(enlist: (page: number) => void): void {
    for (let w = 0; w < this.seen.length; w++) {
      const fresh = Atomics.load(this.words, BITMAP + w) & PAGE_BITS & ~this.seen[w];
      if (fresh === 0) continue;
      this.seen[w] |= fresh;
      this.forEachBit(w, fresh, enlist);
    }
  }

  take(enlist: (page: number) => void): void {
    for (let w = 0; w < this.seen.length; w++) {
      // a 0 read is safe to skip: a writer setting the bit later sees 0 and rings for the next cycle
      if ((Atomics.load(this.words, BITMAP + w) & PAGE_BITS) === 0) continue;
      // clears the bits only: the in-flight count and DEAD belong to the writers' protocol
      const fresh = Atomics.and(this.words, BITMAP + w, ~PAGE_BITS) & PAGE_BITS & ~this.seen[w];
      this.seen[w] = 0;
      this.forEachBit(w, fresh, enlist);
    }
  }

  /**
   * DEAD in every page word, then wait until no store is in flight: a store that announced itself
   * before DEAD has set its bit when this returns (the caller's final collect sees it); one that
   * announces after sees DEAD and throws without storing. The wait blocks this thread only while a
   * writer is inside its few instructions between announce and leave (no user code runs there).
   */
  shutdown(liveness: number): void {
    Atomics.store(this.words, LIVENESS, liveness);
    for (let w = BITMAP; w < this.words.length; w++) Atomics.or(this.words, w, DEAD);
    for (let w = BITMAP; w < this.words.length; w++) this.drain(w);
    Atomics.add(this.words, DOORBELL, 1);
    Atomics.notify(this.words, DOORBELL);
  }

  /** Waits until no store is in flight on page word `w`, or gives up after a stall of stallLimitMs. */
  private drain(w: number): void {
    for (let v = Atomics.load(this.words, w); (v & IN_FLIGHT_MASK) !== 0; v = Atomics.load(this.words, w)) {
      if (Atomics.wait(this.words, w, v, this.stallLimitMs) === 'timed-out') return;
    }
  }

  private forEachBit(word: number, bits: number, enlist: (page: number) => void): void {
    let rest = bits;
    while (rest !== 0) {
      const low = rest & -rest;
      enlist(this.first + ((word << PAGES_PER_WORD_SHIFT) | (31 - Math.clz32(low))));
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
