import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import type { SchedulerLike } from 'rxjs';
import { DefioDriver } from './defio-driver.js';
import type { DirtyPages } from './dirty-pages.js';
import { SgList } from './sg-list.js';
import type { DmaOptions, DmaTransferEngine, SendDone } from './tokens.js';

/**
 * DMA scatter-gather (sh_mobile_lcdcfb): the dirty pages, in offset order, become an SG list of
 * (source, destination, length) segments merged where contiguous, which the engine copies from
 * the framebuffer into panel memory at the same offsets (+ `dstBase`). Byte ranges, no rows.
 */
export class DmaDriver extends DefioDriver {
  readonly sg: SgList;
  private readonly engine: DmaTransferEngine;
  private readonly dstBase: number;

  constructor(fb: FbDeferredIoApi, scheduler: SchedulerLike, options: DmaOptions) {
    super(fb, scheduler, { retryMs: options.retryMs, minIntervalMs: options.minIntervalMs });
    this.engine = options.engine;
    this.dstBase = options.dstBase ?? 0;
    this.sg = new SgList(options.maxSegmentBytes);
  }

  start(dirty: DirtyPages, done: SendDone): void {
    this.sg.reset();
    dirty.forEachRun((off, len) => this.sg.add(off, this.dstBase + off, len));
    this.engine.execute(this.sg.table, this.sg.count, done);
  }
}
