import type { ProcessMapping } from '@fbemu/chrdev';
import { gemGetPage } from '@fbemu/drm-fb-helper';
import type {
  ExternalMappingHandle,
  FbDeferredIoApi,
  FbDeferredIoFactory,
  FbFile,
  PagerefBatch,
} from '@fbemu/fbdev-defio';
import type { GemShmemObject } from '@fbemu/gem-shmem';
import type { Subscription } from 'rxjs';

/**
 * Stores of real processes into one GEM object, through fbdev-defio: the object's pages get a
 * deferred-I/O core (`getPage` = the object's pages, like `drm_fbdev_shmem`), each process
 * mapping of the object is one more (external) mapping of it, and every writeback batch goes to
 * `onBatch`. The kernel does not track DRM-node mappings at all (no `page_mkwrite` on GEM-shmem
 * VMAs); fbemu does, so a program that never calls DIRTYFB still gets its stores shown.
 */
export class BufferWriteTracker {
  private readonly defio: FbDeferredIoApi;
  private readonly file: FbFile;
  private readonly handles = new Map<ProcessMapping, ExternalMappingHandle>();
  private readonly batches: Subscription;

  constructor(
    readonly object: GemShmemObject,
    createDefio: FbDeferredIoFactory,
    delay: number,
    onBatch: (object: GemShmemObject, batch: PagerefBatch) => void,
  ) {
    object.pin();
    try {
      this.defio = createDefio(
        {
          fix: { smemLen: object.size, lineLength: 0 },
          var: { xres: 0, yres: 0, xresVirtual: 0, yresVirtual: 0, xoffset: 0, yoffset: 0, bitsPerPixel: 0 },
        },
        { delay, getPage: gemGetPage(object), pageGeometry: object.geometry },
      );
      this.file = this.defio.open();
    } catch (e) {
      object.unpin();
      throw e;
    }
    this.batches = this.defio.pagerefs$.subscribe((batch) => onBatch(object, batch));
  }

  get mappings(): number {
    return this.handles.size;
  }

  /** A process mapped the whole object (GEM mmap starts at the object) with tracking. */
  attach(mapping: ProcessMapping): void {
    if (this.handles.has(mapping)) return;
    const handle = this.defio.mmapExternal(this.file, { length: mapping.vma.length }, mapping);
    this.handles.set(mapping, handle);
  }

  /** The mapping is gone: its last written pages are collected. */
  detach(mapping: ProcessMapping): void {
    const handle = this.handles.get(mapping);
    if (!handle) return;
    this.handles.delete(mapping);
    handle.close();
  }

  /** No mapping is left: close the core's file (last close flushes), clean up, unpin. */
  dispose(): void {
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
    this.defio.release(this.file);
    this.defio.cleanup();
    this.batches.unsubscribe();
    this.object.unpin();
  }
}
