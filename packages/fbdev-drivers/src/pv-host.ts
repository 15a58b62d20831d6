import { checkSurface, convertRectToXrgb8888, type FbSurface, Rect } from '@fbemu/drm-fb-helper';
import { check, isCount } from '@fbemu/gem-shmem';
import { PV_EVENT_WORDS, PV_RING_HEADER_WORDS, PV_TYPE_UPDATE, pvRingSlots } from './pv-ring.js';

export interface PvHostStats {
  events: number;
  /** events that failed validation (unknown type, bad rect) and became full-screen updates */
  badEvents: number;
  /** passes that found prod more than a ring ahead of cons (a corrupt guest): resynced + full redraw */
  resyncs: number;
  /** pixels copied from the guest framebuffer */
  pixels: number;
}

/** Most events one pass handles; the rest waits for the next notify (bounded work per pass). */
export const PV_HOST_EVENTS_PER_PASS = 256;

/**
 * The host (backend) end of the ring, written to distrust the guest the way QEMU's hardened
 * SVGA and xenfb backends do: cons is the host's own copy, prod is read once per pass and
 * rejected when it is more than a ring ahead, every event word is read once, rects are
 * clamped to the screen and a bad event becomes a full-screen update instead of an error.
 * Updates copy the guest framebuffer into the host's own XRGB8888 `display`.
 */
export class PvHost {
  readonly display: Uint32Array;
  readonly stats: PvHostStats = { events: 0, badEvents: 0, resyncs: 0, pixels: 0 };
  private readonly words: Int32Array;
  private readonly slots: number;
  private cons: number;

  constructor(
    ring: SharedArrayBuffer,
    private readonly guest: FbSurface,
    readonly maxEventsPerPass = PV_HOST_EVENTS_PER_PASS,
  ) {
    checkSurface(guest, 'PV guest framebuffer');
    check(isCount(maxEventsPerPass) && maxEventsPerPass > 0, 'EINVAL', 'maxEventsPerPass');
    this.slots = pvRingSlots(ring);
    check(Number.isInteger(this.slots) && this.slots >= 2, 'EINVAL', 'not a PV ring');
    this.words = new Int32Array(ring);
    this.cons = Atomics.load(this.words, 1) >>> 0;
    this.display = new Uint32Array(guest.width * guest.height);
  }

  /** The event channel: the guest kicks the host after queueing. Returns events handled. */
  notify(): number {
    const prod = Atomics.load(this.words, 0) >>> 0;
    const avail = (prod - this.cons) >>> 0;
    if (avail > this.slots) {
      this.stats.resyncs++;
      this.cons = prod;
      Atomics.store(this.words, 1, prod | 0);
      this.update(this.guest.bounds);
      return 0;
    }
    const n = Math.min(avail, this.maxEventsPerPass);
    for (let i = 0; i < n; i++) {
      this.event(PV_RING_HEADER_WORDS + ((this.cons + i) & (this.slots - 1)) * PV_EVENT_WORDS);
    }
    this.cons = (this.cons + n) >>> 0;
    Atomics.store(this.words, 1, this.cons | 0);
    return n;
  }

  private event(base: number): void {
    this.stats.events++;
    const w = this.words;
    const type = w[base];
    const x = w[base + 1];
    const y = w[base + 2];
    const width = w[base + 3];
    const height = w[base + 4];
    const { width: gw, height: gh } = this.guest;
    // clamp on plain numbers: x + width of two int32 guest words may leave the int32 a Rect holds
    const bad = type !== PV_TYPE_UPDATE || width <= 0 || height <= 0 || x < 0 || y < 0 || x >= gw || y >= gh;
    const rect = bad ? Rect.EMPTY : new Rect(x, y, Math.min(x + width, gw), Math.min(y + height, gh));
    if (rect.isEmpty()) {
      this.stats.badEvents++;
      this.update(this.guest.bounds);
      return;
    }
    this.update(rect);
  }

  private update(rect: Rect): void {
    const r = convertRectToXrgb8888(this.guest, rect, this.display, this.guest.width);
    this.stats.pixels += r.area;
  }
}
