import type { UserMemory } from '@fbemu/chrdev';
import { KernelError } from '@fbemu/gem-shmem';

/**
 * The kernel's copy of an ioctl argument (`kdata` in `drm_ioctl`): the user's bytes, zero-extended
 * to the larger of the user's and the kernel's struct size. Handlers read and write fields here;
 * `drm_ioctl` copies it back to user space afterwards, even when the handler failed.
 */
export class KData {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u16(off: number): number {
    return this.view.getUint16(off, true);
  }
  u32(off: number): number {
    return this.view.getUint32(off, true);
  }
  i32(off: number): number {
    return this.view.getInt32(off, true);
  }
  u64(off: number): bigint {
    return this.view.getBigUint64(off, true);
  }
  /** A u64 user pointer (or size_t) as a number; past 2^53 it is unrepresentable and faults. */
  ptr(off: number): number {
    const v = this.u64(off);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.MAX_SAFE_INTEGER;
  }
  setU16(off: number, v: number): void {
    this.view.setUint16(off, v, true);
  }
  setU32(off: number, v: number): void {
    this.view.setUint32(off, v >>> 0, true);
  }
  setU64(off: number, v: bigint | number): void {
    this.view.setBigUint64(off, BigInt(v), true);
  }
  /** `strscpy_pad`: the string, NUL-terminated, truncated to `len − 1` bytes, zero padded. */
  setString(off: number, len: number, s: string): void {
    const src = new TextEncoder().encode(s).subarray(0, len - 1);
    this.bytes.fill(0, off, off + len);
    this.bytes.set(src, off);
  }
  /** A NUL-terminated string of at most `len` bytes. */
  string(off: number, len: number): string {
    const raw = this.bytes.subarray(off, off + len);
    const end = raw.indexOf(0);
    return new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
  }
}

/** A user address as the uaccess helpers see it: past the representable range it is EFAULT. */
function userAddr(addr: number, index: number, size: number): number {
  const a = addr + index * size;
  if (!Number.isSafeInteger(a) || a < 0) throw new KernelError('EFAULT', `bad user address ${addr}`);
  return a;
}

/** `put_user(u32, ptr + index)` */
export function putU32(mem: UserMemory, addr: number, index: number, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  mem.write(userAddr(addr, index, 4), b);
}

/** `put_user(u64, ptr + index)` */
export function putU64(mem: UserMemory, addr: number, index: number, value: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, value, true);
  mem.write(userAddr(addr, index, 8), b);
}

/** `get_user(u32, ptr + index)` */
export function getU32(mem: UserMemory, addr: number, index: number): number {
  const b = mem.read(userAddr(addr, index, 4), 4);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}

/** `copy_to_user(addr, bytes)` */
export function copyToUser(mem: UserMemory, addr: number, bytes: Uint8Array): void {
  if (bytes.length === 0) return;
  mem.write(userAddr(addr, 0, 1), bytes);
}

/** `copy_from_user(addr, len)` */
export function copyFromUser(mem: UserMemory, addr: number, len: number): Uint8Array {
  if (len === 0) return new Uint8Array(0);
  return mem.read(userAddr(addr, 0, 1), len);
}
