import type { ChrdevFile, UserMemory } from '@fbemu/chrdev';
import { KernelError } from '@fbemu/gem-shmem';
import type { InputClock } from './tokens.js';
import { CLOCK_BOOTTIME, CLOCK_MONOTONIC } from './uapi.js';

/**
 * A process address space for tests: regions at fresh addresses with a hole before each; any
 * byte outside one is EFAULT, read-only regions refuse writes, a refused copy writes nothing.
 */
export class FakeUserMemory implements UserMemory {
  private readonly regions: { addr: number; bytes: Uint8Array; writable: boolean }[] = [];
  private next = 0x10000;

  alloc(len: number, writable = true, fill = 0xaa): number {
    const addr = this.next;
    this.regions.push({ addr, bytes: new Uint8Array(len).fill(fill), writable });
    this.next += Math.ceil((len + 1) / 4096) * 4096 + 4096;
    return addr;
  }

  put(bytes: Uint8Array, writable = true): number {
    const addr = this.alloc(bytes.length, writable);
    this.find(addr, bytes.length).bytes.set(bytes);
    return addr;
  }

  view(addr: number, len: number): Uint8Array {
    const r = this.find(addr, len);
    return r.bytes.slice(addr - r.addr, addr - r.addr + len);
  }

  read(addr: number, len: number): Uint8Array {
    return len === 0 ? new Uint8Array(0) : this.view(addr, len);
  }

  write(addr: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const r = this.find(addr, bytes.length);
    if (!r.writable) throw new KernelError('EFAULT', 'read-only');
    r.bytes.set(bytes, addr - r.addr);
  }

  private find(addr: number, len: number) {
    const r = this.regions.find((x) => addr >= x.addr && addr + len <= x.addr + x.bytes.length);
    if (r === undefined) throw new KernelError('EFAULT', `[0x${addr.toString(16)}, +${len}) not mapped`);
    return r;
  }
}

let nextId = 1;

/** An open file whose queued records are kept; `capacity` records fit before ENOSPC (as a full socket). */
export class FakeFile implements ChrdevFile {
  readonly id = nextId++;
  readonly fpos = { pos: 0 };
  readonly process = { pid: 4242, comm: 'test' };
  privateData: unknown;
  readonly records: Uint8Array[] = [];

  constructor(
    readonly minor = 64,
    public capacity = Number.POSITIVE_INFINITY,
    readonly flags = 2,
  ) {}

  queueRead(bytes: Uint8Array): void {
    if (this.records.length >= this.capacity) throw new KernelError('ENOSPC', 'full');
    this.records.push(bytes.slice());
  }

  /** The program reads everything queued. */
  take(): Uint8Array[] {
    return this.records.splice(0);
  }
}

/** Clocks that differ, so a test sees which one stamped an event: mono = real - 1000 s, boot = real - 500 s. */
export function testClock(nowMs: () => number): InputClock {
  return {
    now(clockId: number): bigint {
      const real = BigInt(Math.round(nowMs() * 1000)) * 1000n + 1_700_000_000_000_000_000n;
      if (clockId === CLOCK_MONOTONIC) return real - 1_000_000_000_000n;
      if (clockId === CLOCK_BOOTTIME) return real - 500_000_000_000n;
      return real;
    },
  };
}
