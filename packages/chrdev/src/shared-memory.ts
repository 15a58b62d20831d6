import { KernelError } from '@fbemu/gem-shmem';
import type { NativeAddon } from './native.js';
import type { SharedMemory, SharedMemoryAllocator } from './tokens.js';

/**
 * Device memory a process can map: a SharedArrayBuffer over a memfd (MAP_SHARED), so the
 * program's stores and Node's views are the same bytes. Without the addon: plain memory (fd -1).
 */
export function sharedMemoryAllocator(native: NativeAddon | undefined): SharedMemoryAllocator {
  return (bytes: number): SharedMemory => {
    if (!(Number.isSafeInteger(bytes) && bytes >= 0 && bytes <= 2 ** 40))
      throw new KernelError('EINVAL', `cannot allocate ${bytes} bytes`);
    if (native === undefined) return { buffer: allocatePlain(bytes), fd: -1 };
    const made = native.memfdAlloc(bytes);
    if (typeof made === 'number') throw new KernelError('ENOMEM', `memfd of ${bytes} bytes: errno ${-made}`);
    return made;
  };
}

function allocatePlain(bytes: number): SharedArrayBuffer {
  try {
    return new SharedArrayBuffer(bytes);
  } catch {
    throw new KernelError('ENOMEM', `cannot allocate ${bytes} bytes`);
  }
}
