import { KernelError } from '@fbemu/gem-shmem';
import type { UserMemory } from './tokens.js';

interface Region {
  readonly addr: number;
  readonly bytes: Uint8Array;
  writable: boolean;
}

/**
 * A process address space for the device packages' tests (the fake side of `copy_from_user` /
 * `copy_to_user`): regions at fresh addresses with an unmapped page before each; a copy that
 * touches an unmapped byte (or, writing, a read-only one) is EFAULT and copies nothing.
 * `read` returns a snapshot copy (use it for "state unchanged" checks); `view` is a live DataView
 * for building arguments in place and reading results field by field.
 */
export class FakeUserMemory implements UserMemory {
  private readonly regions: Region[] = [];
  private next = 0x10000;
  /** successful non-empty writes, for "nothing was written" checks */
  writes = 0;

  /** `fill`: the byte fresh regions hold (a poison value makes "not written" visible) */
  constructor(private readonly fill = 0) {}

  /** Maps `len` fresh bytes; returns their address. */
  alloc(len: number, writable = true): number {
    const addr = this.next;
    this.regions.push({ addr, bytes: new Uint8Array(len).fill(this.fill), writable });
    this.next += Math.ceil((len + 1) / 4096) * 4096 + 4096;
    return addr;
  }

  /** Maps a copy of `bytes`; returns their address. */
  put(bytes: Uint8Array, writable = true): number {
    const addr = this.alloc(bytes.length, writable);
    this.region(addr, bytes.length).bytes.set(bytes);
    return addr;
  }

  /** mprotect of the region holding `addr`. */
  protect(addr: number, writable: boolean): void {
    this.region(addr, 1).writable = writable;
  }

  read(addr: number, len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const r = this.region(addr, len);
    return r.bytes.slice(addr - r.addr, addr - r.addr + len);
  }

  write(addr: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const r = this.region(addr, bytes.length);
    if (!r.writable) throw new KernelError('EFAULT', `0x${addr.toString(16)} is read-only`);
    r.bytes.set(bytes, addr - r.addr);
    this.writes++;
  }

  /** A live view of [addr, addr+len) (test side: no EFAULT for read-only regions). */
  view(addr: number, len: number): DataView {
    const r = this.region(addr, len);
    return new DataView(r.bytes.buffer, addr - r.addr, len);
  }

  private region(addr: number, len: number): Region {
    const r = this.regions.find((x) => addr >= x.addr && addr + len <= x.addr + x.bytes.length);
    if (r === undefined || !(Number.isSafeInteger(len) && len >= 0))
      throw new KernelError('EFAULT', `[0x${addr.toString(16)}, +${len}) not mapped`);
    return r;
  }
}
