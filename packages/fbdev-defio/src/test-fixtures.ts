import { type SchedulerLike, VirtualTimeScheduler } from 'rxjs';
import { FbDeferredIo } from './fb-deferred-io.js';
import type { FbDeferredIoConfig, FbInfo, PagerefBatch } from './tokens.js';

/** Test helpers shared by the package's test files (not part of the public API). */

/** A 32 bpp fb_info of `smemLen` bytes, 1024 pixels per line. */
export function fbInfo(smemLen: number): FbInfo {
  const lineLength = 4096;
  const yres = Math.max(1, Math.floor(smemLen / lineLength));
  return {
    fix: { smemLen, lineLength },
    var: { xres: 1024, yres, xresVirtual: 1024, yresVirtual: yres, xoffset: 0, yoffset: 0, bitsPerPixel: 32 },
  };
}

/** A framebuffer of `pages` 4 KiB pages with every batch recorded. */
export function framebuffer(
  pages: number,
  config: FbDeferredIoConfig = {},
  scheduler: SchedulerLike = new VirtualTimeScheduler(),
): { defio: FbDeferredIo; batches: PagerefBatch[] } {
  const defio = new FbDeferredIo(fbInfo(pages * 4096), config, scheduler);
  const batches: PagerefBatch[] = [];
  defio.pagerefs$.subscribe((b) => batches.push(b));
  return { defio, batches };
}

/** Page numbers (offset / 4096) of a batch, in batch order. */
export function pagesOf(batch: PagerefBatch, pageSize = 4096): number[] {
  return batch.pagerefs.map((p) => p.offset / pageSize);
}
