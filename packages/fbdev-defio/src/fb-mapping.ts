import { checkBody, checkBytes, checkFillByte, inRange, rangeError } from './access-check.js';
import { check, KernelError } from './gem.js';
import { PTE_ABSENT, PTE_READONLY, PTE_WRITABLE } from './layout.js';
import type { DefioPort, Mkclean } from './port.js';
import { SharedDirtyChannel } from './shared-dirty-channel.js';
import type { FbFile, FbMappingApi, WorkerMappingDescriptor } from './tokens.js';

/**
 * A user mapping of the framebuffer on the main thread (vm_area_struct + its page table).
 * Every page starts absent; a load maps it read-only (fault), the first store to a non-writable
 * page is page_mkwrite (enlist, then writable). A store to a writable page costs one table test.
 */
export class FbMapping implements FbMappingApi, Mkclean {
  // `declare`: the store fast path reads these, so they must be created by the constructor with
  // their number/array values; a class-field definition first creates them as undefined, which
  // makes V8 keep them as generic tagged fields (measured 2× slower per store).
  declare private size: number;
  declare private readonly shift: number;
  /** framebuffer page of mapping page 0 (pgoff − fileBase; may be negative) */
  declare private readonly first: number;
  /** byte index in the shared buffer of mapping byte 0 (may be negative: never dereferenced then) */
  declare private readonly base: number;
  /** `base` in 16-bit and 32-bit units (base is page aligned, so these are exact) */
  declare private readonly base16: number;
  declare private readonly base32: number;
  declare private readonly pte: Uint8Array;
  declare private readonly u8: Uint8Array;
  declare private readonly u16: Uint16Array;
  declare private readonly u32: Uint32Array;
  declare private readonly dv: DataView;
  private channel: SharedDirtyChannel | undefined;

  constructor(
    private readonly core: DefioPort,
    private readonly file: FbFile,
    readonly pgoff: number,
    fileBase: number,
    pages: number,
  ) {
    const { geometry, memory, base } = core.memory;
    this.shift = geometry.shift | 0;
    this.size = pages * geometry.size;
    this.first = pgoff - fileBase;
    this.base = base + this.first * geometry.size;
    this.base16 = this.base >> 1;
    this.base32 = this.base >> 2;
    this.pte = new Uint8Array(pages);
    this.u8 = new Uint8Array(memory);
    this.u16 = new Uint16Array(memory, 0, memory.byteLength >>> 1);
    this.u32 = new Uint32Array(memory, 0, memory.byteLength >>> 2);
    this.dv = new DataView(memory);
  }

  get length(): number {
    return this.size;
  }

  // Fast paths: `(offset & mask) === offset` accepts exactly the non-negative, aligned integers
  // below 2^31 (no NaN, no fraction, no string), so signed shifts index in int32; a page-table
  // entry past the end is undefined, so one table test also bounds the offset. Everything else
  // goes to the slow path, which checks the arguments properly and runs the fault. The page
  // states are literals here: an imported binding costs a load and a hole check per store.

  setUint8(offset: number, value: number): void {
    if ((offset & 0x7fffffff) === offset && this.pte[offset >> this.shift] === 2 /* PTE_WRITABLE */) {
      this.u8[this.base + offset] = value;
    } else this.slowStore(offset, 1, value);
  }

  setUint16(offset: number, value: number): void {
    if ((offset & 0x7ffffffe) === offset && this.pte[offset >> this.shift] === 2 /* PTE_WRITABLE */) {
      this.u16[this.base16 + (offset >> 1)] = value;
    } else this.slowStore(offset, 2, value);
  }

  /** One 32-bit store (a pixel at 32 bpp), little-endian like the hardware fbemu runs on. */
  setUint32(offset: number, value: number): void {
    if ((offset & 0x7ffffffc) === offset && this.pte[offset >> this.shift] === 2 /* PTE_WRITABLE */) {
      this.u32[this.base32 + (offset >> 2)] = value;
    } else this.slowStore(offset, 4, value);
  }

  getUint8(offset: number): number {
    if ((offset & 0x7fffffff) === offset && this.pte[offset >> this.shift] > 0 /* PTE_ABSENT */) {
      return this.u8[this.base + offset];
    }
    return this.slowLoad(offset, 1);
  }

  getUint16(offset: number): number {
    if ((offset & 0x7ffffffe) === offset && this.pte[offset >> this.shift] > 0 /* PTE_ABSENT */) {
      return this.u16[this.base16 + (offset >> 1)];
    }
    return this.slowLoad(offset, 2);
  }

  getUint32(offset: number): number {
    if ((offset & 0x7ffffffc) === offset && this.pte[offset >> this.shift] > 0 /* PTE_ABSENT */) {
      return this.u32[this.base32 + (offset >> 2)];
    }
    return this.slowLoad(offset, 4);
  }

  write(offset: number, bytes: Uint8Array): void {
    checkBytes(bytes);
    this.checkRange(offset, bytes.length);
    // an empty write touches no page, not even one outside the framebuffer
    if (bytes.length === 0) return;
    this.makeWritable(offset, bytes.length);
    this.u8.set(bytes, this.base + offset);
  }

  fill(offset: number, length: number, byte: number): void {
    checkFillByte(byte);
    this.checkRange(offset, length);
    this.makeWritable(offset, length);
    this.u8.fill(byte, this.base + offset, this.base + offset + length);
  }

  read(offset: number, length: number): Uint8Array {
    this.checkRange(offset, length);
    this.makeReadable(offset, length);
    return this.u8.slice(this.base + offset, this.base + offset + length);
  }

  /**
   * Bracketed raw access (begin/end CPU access): the range is enlisted before `body` runs, so
   * no store inside it is invisible, and checked again after it, so a writeback that ran inside
   * `body` (an fsync from it) cannot leave stores of the second half unflushed.
   */
  access(offset: number, length: number, body: (view: Uint8Array) => void): void {
    checkBody(body);
    this.checkRange(offset, length);
    this.makeWritable(offset, length);
    // No try/finally around `body`: V8 then stops inlining the caller's drawing loop (measured
    // 1.3–1.7× slower per call). If `body` throws, the range is still enlisted from the first
    // pass; only stores made after a writeback that `body` itself forced (an fsync from inside
    // it) and before the throw wait for the next store to their page.
    body(this.u8.subarray(this.base + offset, this.base + offset + length));
    if (this.size !== 0) this.makeWritable(offset, length);
  }

  share(): WorkerMappingDescriptor {
    check(this.size !== 0, 'EFAULT', 'the mapping is closed');
    const { geometry, memory, count } = this.core.memory;
    const firstValid = Math.min(Math.max(0, -this.first), this.pte.length);
    const endValid = Math.max(firstValid, Math.min(this.pte.length, count - this.first));
    if (this.channel === undefined) {
      for (let p = firstValid; p < endValid; p++) this.core.fault(this.first + p, this.pgoff + p);
      const channel = new SharedDirtyChannel(this.first, this.pte.length);
      this.core.attachChannel(channel); // SIGBUS after cleanup: nothing changed then
      this.channel = channel;
    }
    return {
      memory,
      byteOffset: this.base,
      length: this.size,
      pageSize: geometry.size,
      validStart: firstValid * geometry.size,
      validEnd: endValid * geometry.size,
      state: this.channel.state,
    };
  }

  /** munmap: later accesses are EFAULT; pages already enlisted stay enlisted. */
  close(): void {
    if (this.size === 0) return;
    this.size = 0;
    this.pte.fill(PTE_ABSENT);
    this.core.unmap(this, this.channel, this.file);
  }

  mkclean(pages: Int32Array, count: number): void {
    const n = this.pte.length;
    for (let i = 0; i < count; i++) {
      const p = pages[i] - this.first;
      if (p >= 0 && p < n && this.pte[p] === PTE_WRITABLE) this.pte[p] = PTE_READONLY;
    }
  }

  /** Unaligned, faulting or invalid scalar stores (little-endian through the DataView). */
  private slowStore(offset: number, size: 1 | 2 | 4, value: number): void {
    this.checkRange(offset, size);
    this.makeWritable(offset, size);
    const at = this.base + offset;
    if (size === 1) this.dv.setUint8(at, value);
    else if (size === 2) this.dv.setUint16(at, value, true);
    else this.dv.setUint32(at, value, true);
  }

  private slowLoad(offset: number, size: 1 | 2 | 4): number {
    this.checkRange(offset, size);
    this.makeReadable(offset, size);
    const at = this.base + offset;
    if (size === 1) return this.dv.getUint8(at);
    return size === 2 ? this.dv.getUint16(at, true) : this.dv.getUint32(at, true);
  }

  /** After munmap every access is EFAULT, an empty one too (as in a worker mapping). */
  private checkRange(offset: number, length: number): void {
    if (this.size === 0) throw new KernelError('EFAULT', 'the mapping was closed');
    if (!inRange(offset, length, this.size)) throw rangeError(offset, length, this.size);
  }

  /** page_mkwrite for every non-writable page of the range, after checking the whole range. */
  private makeWritable(offset: number, length: number): void {
    if (length === 0) return;
    const p0 = offset >>> this.shift;
    const p1 = (offset + length - 1) >>> this.shift;
    this.core.checkBacked(this.first + p0, this.first + p1);
    for (let p = p0; p <= p1; p++) {
      if (this.pte[p] === PTE_WRITABLE) continue;
      this.core.mkwrite(this.first + p, this.pgoff + p);
      this.pte[p] = PTE_WRITABLE;
    }
  }

  /** Read faults: map absent pages read-only (mapped pages stay readable after cleanup); never enlists. */
  private makeReadable(offset: number, length: number): void {
    if (length === 0) return;
    const p0 = offset >>> this.shift;
    const p1 = (offset + length - 1) >>> this.shift;
    let checked = false;
    for (let p = p0; p <= p1; p++) {
      if (this.pte[p] !== PTE_ABSENT) continue;
      if (!checked) this.core.checkBacked(this.first + p, this.first + p1);
      checked = true;
      this.core.fault(this.first + p, this.pgoff + p);
      this.pte[p] = PTE_READONLY;
    }
  }
}
