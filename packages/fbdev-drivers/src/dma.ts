import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import { check, checkObject, checkOptional, isCount } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { DefioDriver } from './defio-driver.js';
import type { DirtyPages } from './dirty-pages.js';
import { DMA_MAX_DESCRIPTORS } from './dma-engine.js';
import { SG_CTRL_LAST, SG_DESC_WORDS, SgList } from './sg-list.js';
import type { DmaOptions, DmaTransferEngine, SendDone } from './tokens.js';

/**
 * DMA scatter-gather (sh_mobile_lcdcfb): the dirty pages, in offset order, become an SG list of
 * (source, destination, length) segments merged where contiguous, which the engine copies from
 * the framebuffer into panel memory at the same offsets (+ `dstBase`). Byte ranges, no rows.
 * A list longer than the engine takes (`maxDescriptors`) goes as consecutive lists, each ending
 * with LAST, the next one started when the previous completed; the first failure fails the update.
 */
export class DmaDriver extends DefioDriver {
  readonly sg: SgList;
  private readonly engine: DmaTransferEngine;
  private readonly dstBase: number;
  private readonly maxDescriptors: number;

  constructor(fb: FbDeferredIoApi, scheduler: SchedulerLike, options: DmaOptions) {
    checkObject(options, 'DMA options');
    checkObject(options.engine, 'DMA engine');
    check(typeof options.engine.execute === 'function', 'EINVAL', 'DMA engine has no execute()');
    checkOptional(options.dstBase, (n) => isCount(n) && n < 2 ** 32, 'dstBase');
    const maxOk = (n: unknown) => isCount(n) && n >= 1 && n <= DMA_MAX_DESCRIPTORS;
    checkOptional(options.maxDescriptors, maxOk, 'maxDescriptors');
    const sg = new SgList(options.maxSegmentBytes);
    super(fb, scheduler, {
      retryMs: options.retryMs,
      maxRetries: options.maxRetries,
      minIntervalMs: options.minIntervalMs,
    });
    this.sg = sg;
    this.engine = options.engine;
    this.dstBase = options.dstBase ?? 0;
    this.maxDescriptors = options.maxDescriptors ?? DMA_MAX_DESCRIPTORS;
  }

  start(dirty: DirtyPages, done: SendDone): void {
    this.sg.reset();
    dirty.forEachRun((off, len) => this.sg.add(off, this.dstBase + off, len));
    this.send(done);
  }

  /**
   * Executes the list in chunks of at most `maxDescriptors`. A loop while the engine completes
   * synchronously (no call depth per chunk); an asynchronous completion re-enters `next`.
   * Nothing to send (no segment) completes at once rather than handing the engine an empty list.
   */
  private send(done: SendDone): void {
    const { sg } = this;
    let first = 0;
    const next = (): void => {
      while (first < sg.count) {
        const n = Math.min(sg.count - first, this.maxDescriptors);
        let state = 'running' as 'running' | 'completed' | 'waiting';
        this.executeChunk(first, n, (error) => {
          if (error) {
            done(error);
            return;
          }
          first += n;
          if (state === 'waiting') next();
          else state = 'completed';
        });
        if (state !== 'completed') {
          state = 'waiting';
          return;
        }
      }
      done();
    };
    next();
  }

  private executeChunk(first: number, n: number, done: SendDone): void {
    const end = (first + n) * SG_DESC_WORDS;
    this.sg.table[end - 1] |= SG_CTRL_LAST;
    this.engine.execute(this.sg.table.subarray(first * SG_DESC_WORDS, end), n, done);
  }
}
