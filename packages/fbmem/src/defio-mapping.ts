import type { ProcessMapping } from '@fbemu/chrdev';
import type { ExternalMappingHandle, FbDeferredIoApi, FbFile } from '@fbemu/fbdev-defio';
import { check } from '@fbemu/gem-shmem';

/**
 * Wires a real process's mapping of /dev/fbN into the deferred-I/O core as one more mapping.
 * Only this interface is used by the file operations.
 */
export interface DefioMappingAttacher {
  /** The process mapped the framebuffer through `file`: its stores count from now on. */
  attach(file: FbFile, mapping: ProcessMapping): void;
  /** The mapping is gone: its last written pages are collected, then the file reference drops. */
  detach(mapping: ProcessMapping): void;
}

/**
 * `DefioMappingAttacher` over fbdev-defio's `mmapExternal`: the core holds the mapping (it is
 * collected on its doorbell, write-protected at writeback through its `mkclean`, and holds the
 * file until munmap); detach is that munmap.
 */
export class ExternalMappingAttacher implements DefioMappingAttacher {
  private readonly attached = new Map<ProcessMapping, ExternalMappingHandle>();

  constructor(private readonly core: FbDeferredIoApi) {}

  attach(file: FbFile, mapping: ProcessMapping): void {
    check(!this.attached.has(mapping), 'EINVAL', 'mapping already attached');
    const { pgoff, length } = mapping.vma;
    this.attached.set(mapping, this.core.mmapExternal(file, { pgoff, length }, mapping));
  }

  detach(mapping: ProcessMapping): void {
    const handle = this.attached.get(mapping);
    if (handle === undefined) return;
    this.attached.delete(mapping);
    handle.close();
  }
}

/** The attacher for a core; ENODEV for one that cannot take process mappings. */
export function mappingAttacherFor(defio: FbDeferredIoApi): DefioMappingAttacher {
  check(
    typeof defio?.mmapExternal === 'function',
    'ENODEV',
    'this deferred-I/O core cannot take process mappings',
  );
  return new ExternalMappingAttacher(defio);
}
