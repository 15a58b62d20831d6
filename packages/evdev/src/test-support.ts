import type { ChrdevFile } from '@fbemu/chrdev';
import { KernelError } from '@fbemu/gem-shmem';
import type { InputClock } from './tokens.js';
import { CLOCK_BOOTTIME, CLOCK_MONOTONIC } from './uapi.js';

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
