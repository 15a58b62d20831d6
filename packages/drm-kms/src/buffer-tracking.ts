import type { ProcessMapping } from '@fbemu/chrdev';
import { gemGetPage } from '@fbemu/drm-fb-helper';
import { FbDeferredIo, type FbFile, type PagerefBatch } from '@fbemu/fbdev-defio';
import type { GemShmemObject } from '@fbemu/gem-shmem';
import type { SchedulerLike, Subscription } from 'rxjs';

type DirtyChannel = Parameters<FbDeferredIo['attachChannel']>[0];

interface Attached {
  readonly channel: DirtyChannel;
  readonly file: FbFile;
}

/** Nothing to write-protect on our side: a process mapping's `take` re-protects what it reports. */
const NO_MKCLEAN = { mkclean: (): void => {} };

/**
 * Stores of real processes into one GEM object, through fbdev-defio: the object's pages get a
 * deferred-I/O core (`getPage` = the object's pages, like `drm_fbdev_shmem`), each process mapping
 * of the object is one more dirty channel of it, and every writeback batch goes to `onBatch`.
 * The kernel does not track DRM-node mappings at all (no `page_mkwrite` on GEM-shmem VMAs); fbemu
 * does, so a program that never calls DIRTYFB still gets its stores shown.
 */
export class BufferWriteTracker {
  private readonly defio: FbDeferredIo;
  private readonly attached = new Map<ProcessMapping, Attached>();
  private readonly batches: Subscription;

  constructor(
    readonly object: GemShmemObject,
    scheduler: SchedulerLike,
    delay: number,
    onBatch: (object: GemShmemObject, batch: PagerefBatch) => void,
  ) {
    object.pin();
    try {
      this.defio = new FbDeferredIo(
        {
          fix: { smemLen: object.size, lineLength: 0 },
          var: { xres: 0, yres: 0, xresVirtual: 0, yresVirtual: 0, xoffset: 0, yoffset: 0, bitsPerPixel: 0 },
        },
        { delay, getPage: gemGetPage(object), pageGeometry: object.geometry },
        scheduler,
      );
    } catch (e) {
      object.unpin();
      throw e;
    }
    this.batches = this.defio.pagerefs$.subscribe((batch) => onBatch(object, batch));
  }

  get mappings(): number {
    return this.attached.size;
  }

  /** A process mapped the object with tracking: its written pages now enlist here. */
  attach(mapping: ProcessMapping): void {
    if (this.attached.has(mapping)) return;
    // the core shuts a channel down *before* its final collect; the mapping is shut down by
    // detach/dispose once that collect has run
    const pages = this.object.pageCount;
    // pages come from the front door: one past the object would corrupt the core's dirty list
    const inside = (enlist: (page: number) => void) => (page: number) => {
      if (Number.isInteger(page) && page >= 0 && page < pages) enlist(page);
    };
    const channel: DirtyChannel = {
      start: (onRing) => mapping.start(onRing),
      collect: (enlist) => mapping.collect(inside(enlist)),
      take: (enlist) => mapping.take(inside(enlist)),
      shutdown: () => {},
    };
    const file = this.defio.open();
    this.defio.attachChannel(channel);
    this.attached.set(mapping, { channel, file });
  }

  /** The mapping is gone: its last pages are collected, and the last one's close flushes. */
  detach(mapping: ProcessMapping): void {
    const a = this.attached.get(mapping);
    if (!a) return;
    this.attached.delete(mapping);
    this.defio.unmap(NO_MKCLEAN, a.channel, a.file);
    mapping.shutdown();
  }

  /** Flushes what is pending, stops every channel and unpins the object. */
  dispose(): void {
    this.defio.cleanup();
    this.batches.unsubscribe();
    for (const mapping of this.attached.keys()) mapping.shutdown();
    this.attached.clear();
    this.object.unpin();
  }
}
