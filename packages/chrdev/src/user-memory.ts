import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { KernelError } from '@fbemu/gem-shmem';
import type { UserMemory } from './tokens.js';

/** Largest single copy from or to a program (an ioctl argument, a read/write buffer). */
export const MAX_USER_COPY = 64 << 20;
/** user addresses on x86-64 stay below 2^47 */
const USER_END = 2 ** 47;

/**
 * copy_from_user / copy_to_user on a real process through /proc/PID/mem (the preload allows the
 * server as its ptracer). Unmapped bytes read as EIO or short: EFAULT, as the kernel answers.
 */
export class ProcMemory implements UserMemory {
  private fd = -1;

  constructor(private readonly pid: number) {}

  read(addr: number, len: number): Uint8Array {
    this.checkRange(addr, len);
    const bytes = new Uint8Array(len);
    this.transfer(addr, bytes, false);
    return bytes;
  }

  /**
   * Checks that the whole range is mapped (a read) before writing, so an EFAULT writes nothing.
   * Deviation: /proc/PID/mem writes through read-only user pages (FOLL_FORCE) where the kernel's
   * copy_to_user would fault.
   */
  write(addr: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new KernelError('EINVAL', 'bytes must be a Uint8Array');
    this.checkRange(addr, bytes.length);
    if (bytes.length === 0) return;
    this.transfer(addr, new Uint8Array(bytes.length), false);
    this.transfer(addr, bytes, true);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private checkRange(addr: number, len: number): void {
    if (!(Number.isSafeInteger(len) && len >= 0 && len <= MAX_USER_COPY))
      throw new KernelError('EINVAL', `bad user copy length ${len}`);
    if (!(Number.isSafeInteger(addr) && addr >= 0 && addr + len <= USER_END))
      throw new KernelError('EFAULT', `bad user address ${addr}`);
  }

  private transfer(addr: number, bytes: Uint8Array, write: boolean): void {
    if (bytes.length === 0) return;
    if (this.fd < 0) this.fd = openProcMem(this.pid);
    let done = 0;
    try {
      while (done < bytes.length) {
        const n = write
          ? writeSync(this.fd, bytes, done, bytes.length - done, addr + done)
          : readSync(this.fd, bytes, done, bytes.length - done, addr + done);
        if (n <= 0) break;
        done += n;
      }
    } catch {
      // EIO (unmapped) or EFAULT: the range is not all there
    }
    if (done < bytes.length) throw new KernelError('EFAULT', `user memory at ${addr} (+${bytes.length})`);
  }
}

function openProcMem(pid: number): number {
  try {
    return openSync(`/proc/${pid}/mem`, 'r+');
  } catch (e) {
    throw new KernelError('EFAULT', `cannot open /proc/${pid}/mem: ${(e as Error).message}`);
  }
}
