import { checkBody, checkBytes, checkFillByte, inRange, rangeError } from './access-check.js';
import { check, KernelError, SUPPORTED_PAGE_SIZES } from './gem.js';
import { DOORBELL, LIVE, LIVE_DETACHED, LIVE_UNMAPPED, LIVENESS } from './layout.js';
import type { FbStoreApi, WorkerMappingDescriptor } from './tokens.js';

/**
 * The worker-thread twin of FbMapping, over the same SharedArrayBuffer. A store writes the data,
 * then sets the page's dirty bit with `Atomics.or` — a read-modify-write, so the data store is
 * ordered before the bit (release) and the core's `Atomics.exchange` (acquire) sees both. A
 * 0→1 transition rings the doorbell. Spans mark each page once per call, after the data.
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
    if (!this.storable(offset, 1)) throw this.refuse(offset, 1, true);
    this.u8[this.base + offset] = value;
    this.mark(offset >>> this.shift);
  }

  setUint16(offset: number, value: number): void {
    if (!this.storable(offset, 2)) throw this.refuse(offset, 2, true);
    if ((offset & 1) === 0) this.u16[(this.base + offset) >>> 1] = value;
    else this.dv.setUint16(this.base + offset, value, true);
    this.markRange(offset, 2);
  }

  setUint32(offset: number, value: number): void {
    if (!this.storable(offset, 4)) throw this.refuse(offset, 4, true);
    if ((offset & 3) === 0) {
      this.u32[(this.base + offset) >>> 2] = value;
      this.mark(offset >>> this.shift);
    } else {
      this.dv.setUint32(this.base + offset, value, true);
      this.markRange(offset, 4);
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
    this.checkStore(offset, bytes.length);
    this.u8.set(bytes, this.base + offset);
    this.markRange(offset, bytes.length);
  }

  fill(offset: number, length: number, byte: number): void {
    checkFillByte(byte);
    this.checkStore(offset, length);
    this.u8.fill(byte, this.base + offset, this.base + offset + length);
    this.markRange(offset, length);
  }

  read(offset: number, length: number): Uint8Array {
    const ok = inRange(offset, length, this.validEnd) && offset >= this.validStart;
    if (!ok || this.words[LIVENESS] === LIVE_UNMAPPED) throw this.refuse(offset, length, false);
    return this.u8.slice(this.base + offset, this.base + offset + length);
  }

  /** Bracketed raw access: the pages are marked when `body` returns (end of CPU access). */
  access(offset: number, length: number, body: (view: Uint8Array) => void): void {
    checkBody(body);
    this.checkStore(offset, length);
    try {
      body(this.u8.subarray(this.base + offset, this.base + offset + length));
    } finally {
      this.markRange(offset, length);
    }
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

  private checkStore(offset: number, length: number): void {
    const ok = inRange(offset, length, this.validEnd) && offset >= this.validStart;
    if (!ok || this.words[LIVENESS] !== LIVE) throw this.refuse(offset, length, true);
  }

  /** The error for a refused access: EFAULT after munmap, SIGBUS for a store after cleanup, else by range. */
  private refuse(offset: number, length: number, store: boolean): KernelError {
    const liveness = Atomics.load(this.words, LIVENESS);
    if (liveness === LIVE_UNMAPPED) return new KernelError('EFAULT', 'the mapping was closed');
    const valid = inRange(offset, length, this.validEnd) && offset >= this.validStart;
    if (valid && store && liveness === LIVE_DETACHED)
      return new KernelError('SIGBUS', 'the framebuffer was cleaned up');
    return rangeError(offset, length, this.size);
  }

  private markRange(offset: number, length: number): void {
    if (length === 0) return;
    const last = (offset + length - 1) >>> this.shift;
    for (let page = offset >>> this.shift; page <= last; page++) this.mark(page);
  }

  private mark(page: number): void {
    const bit = 1 << (page & 31);
    if ((Atomics.or(this.words, 16 /* BITMAP */ + (page >>> 5), bit) & bit) !== 0) return;
    Atomics.add(this.words, DOORBELL, 1);
    Atomics.notify(this.words, DOORBELL, 1);
  }
}

function checkDescriptor(desc: WorkerMappingDescriptor): void {
  check(typeof desc === 'object' && desc !== null, 'EINVAL', 'mapping descriptor missing');
  check(
    desc.memory instanceof SharedArrayBuffer && desc.state instanceof SharedArrayBuffer,
    'EINVAL',
    'descriptor buffers',
  );
  check(SUPPORTED_PAGE_SIZES.includes(desc.pageSize), 'EINVAL', 'descriptor page size');
  const ints = [desc.length, desc.validStart, desc.validEnd].every((n) => Number.isSafeInteger(n) && n >= 0);
  check(
    ints && desc.validStart <= desc.validEnd && desc.validEnd <= desc.length,
    'EINVAL',
    'descriptor range',
  );
  check(Number.isSafeInteger(desc.byteOffset), 'EINVAL', 'descriptor byteOffset');
  // only the valid range is ever touched; an empty one may lie anywhere
  const { byteOffset, validStart, validEnd } = desc;
  const inMemory =
    validStart === validEnd ||
    (byteOffset + validStart >= 0 && byteOffset + validEnd <= desc.memory.byteLength);
  check(inMemory, 'EINVAL', 'descriptor outside its memory');
}

/** Worker-side entry point: attach to a mapping shared by `FbMapping.share()`. */
export function attachFbMapping(desc: WorkerMappingDescriptor): WorkerFbMapping {
  return new WorkerFbMapping(desc);
}
