import type { CharDevice, ChrdevFile, ProcessMapping, VmArea } from '@fbemu/chrdev';
import { FakeUserMemory } from '@fbemu/chrdev/test-support';
import { FbDeferredIo } from '@fbemu/fbdev-defio';
import { KernelError } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { FbmemDevice } from './fb-device.js';
import { createFbmemBackend, type FbmemModeOptions, plainSharedMemory } from './framebuffer.js';
import { FbRegistry } from './registry.js';

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;

let fileIds = 1;

/** An open of `chrdev` by a fake process (open(2) → fops.open). */
export function openFile(chrdev: CharDevice, flags = O_RDWR, pid = 100): ChrdevFile {
  const file: ChrdevFile = {
    id: fileIds++,
    minor: chrdev.minor,
    flags,
    process: { pid, comm: 'test' },
    fpos: { pos: 0 },
    privateData: undefined,
    queueRead: () => {},
  };
  chrdev.fops.open?.(file);
  return file;
}

/**
 * A process's mapping as the front door would hand it over, in the async userfaultfd style:
 * `store` marks a page written and rings; collect reports fresh pages; take reports and clears
 * (re-protects) them.
 */
export class FakeProcessMapping implements ProcessMapping {
  readonly process = { pid: 100, comm: 'test' };
  readonly log: string[] = [];
  /** mapping pages write-protected by mkclean calls (the core may also rely on take alone) */
  readonly mkcleaned: number[] = [];
  private readonly written = new Set<number>();
  private readonly seen = new Set<number>();
  private onWrite: (() => void) | undefined;

  constructor(readonly vma: VmArea) {}

  /** The process stored into mapping page `page`. */
  store(page: number): void {
    this.written.add(page);
    this.onWrite?.();
  }

  start(onWrite: () => void): void {
    this.log.push('start');
    this.onWrite = onWrite;
  }

  collect(enlist: (page: number) => void): void {
    for (const p of this.written) {
      if (this.seen.has(p)) continue;
      this.seen.add(p);
      enlist(p);
    }
  }

  take(enlist: (page: number) => void): void {
    for (const p of this.written) enlist(p);
    if (this.written.size > 0) this.log.push(`take ${[...this.written].join(',')}`);
    this.written.clear();
    this.seen.clear();
  }

  mkclean(pages: Int32Array, count: number): void {
    this.mkcleaned.push(...pages.subarray(0, count));
  }

  shutdown(): void {
    this.log.push('shutdown');
    this.onWrite = undefined;
  }
}

/** A registered framebuffer over plain shared memory on `scheduler`. */
export function makeFb(scheduler: SchedulerLike, mode: Partial<FbmemModeOptions> = {}) {
  const backend = createFbmemBackend(
    { width: 64, height: 48, ...mode },
    plainSharedMemory,
    (info, config) => new FbDeferredIo(info, config ?? {}, scheduler),
    scheduler,
  );
  const device = new FbmemDevice(backend, { id: 'testdrmfb', track: mode.track });
  const registry = new FbRegistry();
  const chrdev = registry.register(device);
  return { device, chrdev, registry, fops: chrdev.fops, mem: new FakeUserMemory() };
}

/** The KernelError code `body` throws (fails the test when it does not throw one). */
export function errnoOf(body: () => unknown): string {
  try {
    body();
  } catch (e) {
    if (e instanceof KernelError) return e.code;
    throw e;
  }
  throw new Error('expected a KernelError');
}
