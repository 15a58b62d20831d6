import { checkBody, checkBytes, checkFillByte, inRange, rangeError } from './access-check.js';
import { check, KernelError, SUPPORTED_PAGE_SIZES } from './gem.js';
import {
  channelStateWords,
  DEAD,
  DOORBELL,
  IN_FLIGHT,
  LIVE,
  LIVE_DETACHED,
  LIVE_UNMAPPED,
  LIVENESS,
  MEMORY_LIMIT,
} from './layout.js';
import type { FbStoreApi, WorkerMappingDescriptor } from './tokens.js';

/**
 * The worker-thread twin of FbMapping, over the same SharedArrayBuffer. A store
 *   1. announces itself in its page word: `Atomics.add` of one in-flight unit, whose result also
 *      says whether munmap/cleanup has set DEAD — then it throws and stores nothing;
 *   2. stores the data;
 *   3. sets the page bit and leaves in one `Atomics.compareExchange` (a release: the core's
 *      `Atomics.and` at writeback, or its final look after shutdown, sees the data with the bit).
 * A 0→1 bit rings the doorbell. munmap/cleanup set DEAD, then wait until no store is in flight,
 * then take the bits: a store either throws without landing or is delivered. Values are coerced
 * before step 1, so no user code runs between announce and leave.
 */
export class WorkerFbMapping implements FbStoreApi {
  // `declare` and literal layout constants on the store path: see FbMapping (V8 field
  // representation; imported bindings cost a load and a hole check per store).
  declare private size: number;
  declare private readonly shift: number;
  declare private readonly base: number;
  declare private validStart: number;
  declare private validEnd: number;
  declare private readonly words: Int32Array;
  declare private readonly u8: Uint8Array;
  declare private readonly u16: Uint16Array;
  declare private readonly u32: Uint32Array;
  declare private readonly dv: DataView;

  constructor(desc: WorkerMappingDescriptor) {
    checkDescriptor(desc);
    const memory = desc.memory;
    this.size = desc.length;
    this.shift = Math.log2(desc.pageSize) | 0;
    this.base = desc.byteOffset;
    this.validStart = desc.validStart;
    this.validEnd = desc.validEnd;
    this.words = new Int32Array(desc.state);
    this.u8 = new Uint8Array(memory);
    this.u16 = new Uint16Array(memory, 0, memory.byteLength >>> 1);
    this.u32 = new Uint32Array(memory, 0, memory.byteLength >>> 2);
    this.dv = new DataView(memory);
  }

  setUint8(offset: number, value: number): void {
    const v = value & 0xff;
    if (!this.storable(offset, 1) || !this.enter(offset >>> this.shift)) throw this.refuse(offset, 1, true);
    this.u8[this.base + offset] = v;
    this.leave(offset >>> this.shift);
  }

  setUint16(offset: number, value: number): void {
    const v = value & 0xffff;
    if (!this.storable(offset, 2) || !this.enter(offset >>> this.shift)) throw this.refuse(offset, 2, true);
    if ((offset & 1) === 0) {
      this.u16[(this.base + offset) >>> 1] = v;
      this.leave(offset >>> this.shift);
    } else {
      this.dv.setUint16(this.base + offset, v, true);
      this.leaveSpan(offset, 2);
    }
  }

  setUint32(offset: number, value: number): void {
    const v = value >>> 0;
    if (!this.storable(offset, 4) || !this.enter(offset >>> this.shift)) throw this.refuse(offset, 4, true);
    if ((offset & 3) === 0) {
      this.u32[(this.base + offset) >>> 2] = v;
      this.leave(offset >>> this.shift);
    } else {
      this.dv.setUint32(this.base + offset, v, true);
      this.leaveSpan(offset, 4);
    }
  }

  getUint8(offset: number): number {
    if (!this.loadable(offset, 1)) throw this.refuse(offset, 1, false);
    return this.u8[this.base + offset];
  }

  getUint16(offset: number): number {
    if (!this.loadable(offset, 2)) throw this.refuse(offset, 2, false);
    return this.dv.getUint16(this.base + offset, true);
  }

  getUint32(offset: number): number {
    if (!this.loadable(offset, 4)) throw this.refuse(offset, 4, false);
    return (offset & 3) === 0
      ? this.u32[(this.base + offset) >>> 2]
      : this.dv.getUint32(this.base + offset, true);
  }

  write(offset: number, bytes: Uint8Array): void {
    checkBytes(bytes);
    if (!this.checkSpan(offset, bytes.length, true)) return;
    if (!this.enter(offset >>> this.shift)) throw this.refuse(offset, bytes.length, true);
    try {
      this.u8.set(bytes, this.base + offset);
    } finally {
      this.leaveSpan(offset, bytes.length); // leave even when `set` threw (a detached source)
    }
  }

  fill(offset: number, length: number, byte: number): void {
    checkFillByte(byte);
    if (!this.checkSpan(offset, length, true)) return;
    if (!this.enter(offset >>> this.shift)) throw this.refuse(offset, length, true);
    this.u8.fill(byte, this.base + offset, this.base + offset + length);
    this.leaveSpan(offset, length);
  }

  read(offset: number, length: number): Uint8Array {
    if (!this.checkSpan(offset, length, false)) return new Uint8Array(0);
    return this.u8.slice(this.base + offset, this.base + offset + length);
  }

  /**
   * Bracketed raw access: the pages are marked when `body` returns (end of CPU access), as one
   * span store. `body` is user code, so it is not "in flight": if munmap/cleanup ran during it,
   * the end throws EFAULT/SIGBUS and what `body` stored is not guaranteed to be delivered.
   */
  access(offset: number, length: number, body: (view: Uint8Array) => void): void {
    checkBody(body);
    if (!this.checkSpan(offset, length, true)) {
      body(this.u8.subarray(0, 0));
      return;
    }
    try {
      body(this.u8.subarray(this.base + offset, this.base + offset + length));
    } catch (e) {
      this.endAccess(offset, length); // body's error wins
      throw e;
    }
    if (!this.endAccess(offset, length)) throw this.refuse(offset, length, true);
  }

  /** End of CPU access: the range marked as one span store; false when the mapping died meanwhile. */
  private endAccess(offset: number, length: number): boolean {
    if (!this.enter(offset >>> this.shift)) return false;
    this.leaveSpan(offset, length);
    return true;
  }

  get length(): number {
    return this.size;
  }

  /** This thread stops using the mapping (later accesses EFAULT); munmap is `FbMapping.close()`. */
  close(): void {
    this.size = 0;
    this.validStart = 0;
    this.validEnd = 0;
  }

  private storable(offset: number, size: number): boolean {
    return (
      offset >>> 0 === offset &&
      offset >= this.validStart &&
      offset + size <= this.validEnd &&
      this.words[1 /* LIVENESS */] === 0 /* LIVE */
    );
  }

  /** Loads stay possible after cleanup (the pages stay mapped), not after munmap. */
  private loadable(offset: number, size: number): boolean {
    return (
      offset >>> 0 === offset &&
      offset >= this.validStart &&
      offset + size <= this.validEnd &&
      this.words[1 /* LIVENESS */] !== 1 /* LIVE_UNMAPPED */
    );
  }

  /**
   * Checks a span access; false for an empty one, which touches no page (anywhere in a live
   * mapping, even outside the framebuffer or after cleanup — as on the main thread).
   */
  private checkSpan(offset: number, length: number, store: boolean): boolean {
    const liveness = Atomics.load(this.words, LIVENESS);
    if (this.size === 0 || liveness === LIVE_UNMAPPED) throw this.refuse(offset, length, store);
    if (length === 0 && inRange(offset, 0, this.size)) return false;
    const ok = inRange(offset, length, this.validEnd) && offset >= this.validStart;
    if (!ok || (store && liveness !== LIVE)) throw this.refuse(offset, length, store);
    return true;
  }

  /**
   * The error for a refused access: EFAULT once closed (munmap, or this thread's close), SIGBUS
   * for a store after cleanup, else by range.
   */
  private refuse(offset: number, length: number, store: boolean): KernelError {
    const liveness = Atomics.load(this.words, LIVENESS);
    if (this.size === 0 || liveness === LIVE_UNMAPPED)
      return new KernelError('EFAULT', 'the mapping was closed');
    const valid = inRange(offset, length, this.validEnd) && offset >= this.validStart;
    if (valid && store && liveness === LIVE_DETACHED)
      return new KernelError('SIGBUS', 'the framebuffer was cleaned up');
    return rangeError(offset, length, this.size);
  }

  /** Announces a store to `page` (one in-flight unit); false, with nothing held, once DEAD. */
  private enter(page: number): boolean {
    const word = 16 /* BITMAP */ + (page >>> 4);
    if ((Atomics.add(this.words, word, 65536 /* IN_FLIGHT */) & 0x40000000) /* DEAD */ === 0) return true;
    Atomics.sub(this.words, word, IN_FLIGHT);
    Atomics.notify(this.words, word); // a shutdown may be waiting for this word
    return false;
  }

  /** After the data: sets `page`'s bit and leaves its word in one compare-exchange. */
  private leave(page: number): void {
    this.release(16 /* BITMAP */ + (page >>> 4), 1 << (page & 15));
  }

  /** After a span's data: sets the bits of its later words, then those of the first and leaves it. */
  private leaveSpan(offset: number, length: number): void {
    const p0 = offset >>> this.shift;
    const p1 = (offset + length - 1) >>> this.shift;
    let rang = false;
    for (let w = p1 >>> 4; w > p0 >>> 4; w--) {
      const bits = wordBits(w, p0, p1);
      if ((Atomics.or(this.words, 16 /* BITMAP */ + w, bits) & bits) !== bits) rang = true;
    }
    if (rang) this.ring();
    this.release(16 /* BITMAP */ + (p0 >>> 4), wordBits(p0 >>> 4, p0, p1));
  }

  private release(word: number, bits: number): void {
    let old = Atomics.load(this.words, word);
    for (;;) {
      const seen = Atomics.compareExchange(this.words, word, old, (old | bits) - 65536 /* IN_FLIGHT */);
      if (seen === old) break;
      old = seen;
    }
    if ((old & bits) !== bits) this.ring();
    if ((old & DEAD) !== 0) Atomics.notify(this.words, word);
  }

  private ring(): void {
    Atomics.add(this.words, DOORBELL, 1);
    Atomics.notify(this.words, DOORBELL, 1);
  }
}

/** The bits of page word `word` covering mapping pages [p0, p1]. */
function wordBits(word: number, p0: number, p1: number): number {
  const lo = Math.max(p0, word << 4) & 15;
  const hi = Math.min(p1, (word << 4) | 15) & 15;
  return ((2 << (hi - lo)) - 1) << lo;
}

/**
 * Everything a later access relies on, checked once: buffers, page size, whole-page ranges,
 * 4-byte alignment (32-bit stores index a Uint32Array), the valid range inside the memory and
 * below MEMORY_LIMIT, and a state buffer large enough for the mapping's page words.
 */
function checkDescriptor(desc: WorkerMappingDescriptor): void {
  check(typeof desc === 'object' && desc !== null, 'EINVAL', 'mapping descriptor missing');
  const { memory, state, byteOffset, length, pageSize, validStart, validEnd } = desc;
  check(
    memory instanceof SharedArrayBuffer && state instanceof SharedArrayBuffer,
    'EINVAL',
    'descriptor buffers',
  );
  check(SUPPORTED_PAGE_SIZES.includes(pageSize), 'EINVAL', 'descriptor page size');
  const pages = (n: number) => Number.isSafeInteger(n) && n >= 0 && n % pageSize === 0;
  check(
    pages(length) && pages(validStart) && pages(validEnd) && length > 0 && length <= MEMORY_LIMIT,
    'EINVAL',
    'descriptor length and valid range must be whole pages',
  );
  check(validStart <= validEnd && validEnd <= length, 'EINVAL', 'descriptor range');
  check(Number.isSafeInteger(byteOffset) && byteOffset % 4 === 0, 'EINVAL', 'descriptor byteOffset');
  // only the valid range is ever touched; an empty one may lie anywhere
  const inMemory =
    validStart === validEnd ||
    (byteOffset + validStart >= 0 &&
      byteOffset + validEnd <= memory.byteLength &&
      byteOffset + validEnd <= MEMORY_LIMIT);
  check(inMemory, 'EINVAL', 'descriptor outside its memory');
  check(
    state.byteLength % 4 === 0 && state.byteLength >= channelStateWords(length / pageSize) * 4,
    'EINVAL',
    'descriptor state buffer too small for the mapping',
  );
}

/** Worker-side entry point: attach to a mapping shared by `FbMapping.share()`. */
export function attachFbMapping(desc: WorkerMappingDescriptor): WorkerFbMapping {
  return new WorkerFbMapping(desc);
}
