import type { SharedMemory, SharedMemoryAllocator } from '@fbemu/chrdev';

/** Finds the process-mappable memory (memfd) behind a GEM object's backing store. */
export interface SharedMemoryLookup {
  lookup(buffer: SharedArrayBuffer): SharedMemory;
}

/**
 * GEM backing stores a process can map: `allocate` is the `GemDeviceOptions.allocateBacking`
 * hook (it asks the front door's `SharedMemoryAllocator` for a memfd-backed SharedArrayBuffer and
 * remembers it); `lookup` gives the mmap target's `SharedMemory` for a backing store. Without an
 * allocator (unit tests) backing stores are plain SharedArrayBuffers with fd −1.
 */
export class SharedMemoryPool implements SharedMemoryLookup {
  private readonly known = new WeakMap<SharedArrayBuffer, SharedMemory>();

  constructor(private readonly allocator?: SharedMemoryAllocator) {}

  readonly allocate = (bytes: number): SharedArrayBuffer => {
    if (!this.allocator) return new SharedArrayBuffer(bytes);
    const memory = this.allocator(bytes);
    this.known.set(memory.buffer, memory);
    return memory.buffer;
  };

  lookup(buffer: SharedArrayBuffer): SharedMemory {
    return this.known.get(buffer) ?? { buffer, fd: -1 };
  }
}
