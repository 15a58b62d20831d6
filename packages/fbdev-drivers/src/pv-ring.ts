import { check } from '@fbemu/gem-shmem';
import { checkShared } from './checks.js';

/**
 * The para-virtual framebuffer's out ring (xen-fbfront's `xenfb_page` out_cons/out_prod + event
 * array, hyperv's dirt message), in one SharedArrayBuffer so host and guest may be different
 * threads: Int32 words [0] prod (guest writes), [1] cons (host writes), [2..3] reserved, then
 * `slots` events of 8 words: type, x, y, w, h, 0, 0, 0. Indices are free-running u32 counters;
 * slot = index mod slots.
 */
export const PV_RING_HEADER_WORDS = 4;
export const PV_EVENT_WORDS = 8;
export const PV_EVENT_BYTES = PV_EVENT_WORDS * 4;
/** XENFB_TYPE_UPDATE */
export const PV_TYPE_UPDATE = 2;

/** Allocates a ring of `slots` (a power of two) events. */
export function createPvRing(slots = 64): SharedArrayBuffer {
  check(Number.isSafeInteger(slots) && slots >= 2 && slots <= 4096, 'EINVAL', `ring slots ${slots}`);
  check((slots & (slots - 1)) === 0, 'EINVAL', `ring slots ${slots} must be a power of two`);
  return new SharedArrayBuffer((PV_RING_HEADER_WORDS + slots * PV_EVENT_WORDS) * 4);
}

/** Number of event slots of a ring buffer (from its size; the host never reads it from the ring). */
export function pvRingSlots(ring: SharedArrayBuffer): number {
  checkShared(ring, 'PV ring');
  return (ring.byteLength / 4 - PV_RING_HEADER_WORDS) / PV_EVENT_WORDS;
}

/**
 * The guest side: writes an event into the next slot, then publishes it by storing `prod`
 * (Atomics.store is the release the host's Atomics.load of prod pairs with). The guest keeps its
 * own prod and only reads `cons` from the ring; a cons that makes no sense reads as "full".
 */
export class PvRingProducer {
  private readonly words: Int32Array;
  private readonly slots: number;
  private prod: number;

  constructor(ring: SharedArrayBuffer) {
    this.words = new Int32Array(ring);
    this.slots = pvRingSlots(ring);
    check(Number.isInteger(this.slots) && this.slots >= 2, 'EINVAL', 'not a PV ring');
    this.prod = Atomics.load(this.words, 0) >>> 0;
  }

  /** Free slots as the guest sees them. */
  free(): number {
    const used = (this.prod - (Atomics.load(this.words, 1) >>> 0)) >>> 0;
    return used > this.slots ? 0 : this.slots - used;
  }

  /** Queues an update event; false when the ring is full (the caller keeps the damage). */
  pushUpdate(x: number, y: number, w: number, h: number): boolean {
    if (this.free() === 0) return false;
    const base = PV_RING_HEADER_WORDS + (this.prod & (this.slots - 1)) * PV_EVENT_WORDS;
    const ev = this.words;
    ev[base] = PV_TYPE_UPDATE;
    ev[base + 1] = x;
    ev[base + 2] = y;
    ev[base + 3] = w;
    ev[base + 4] = h;
    this.prod = (this.prod + 1) >>> 0;
    Atomics.store(this.words, 0, this.prod | 0);
    return true;
  }
}
