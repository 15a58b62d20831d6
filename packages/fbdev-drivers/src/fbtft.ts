import { Rect, Region } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import { check, checkOptional, optionsOf } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { ByteWriter } from './byte-writer.js';
import { checkTransport } from './checks.js';
import { encodeDcsInit, encodeDcsRect } from './dcs-encoder.js';
import { DefioDriver } from './defio-driver.js';
import type { DirtyPages } from './dirty-pages.js';
import { forEachDirtyClip } from './fb-view.js';
import type { ByteTransport, FbtftOptions, SendDone } from './tokens.js';

/** fbtft's default frame rate (its `fps` module parameter). */
export const FBTFT_DEFAULT_FPS = 20;

/**
 * SPI/parallel TFT panels (drivers/staging/fbtft): each update is one or more DCS windows —
 * CASET, RASET, RAMWR + RGB565 big-endian pixels — on a byte transport. `windows: 1` is fbtft's
 * single dirty line range (the bounding box of the damage); more windows send each run of dirty
 * pages on its own, up to that many (then the bounding box). The panel is woken (sleep out,
 * COLMOD 16 bpp, display on) with the first update, and again after a failed one.
 */
export class FbtftDriver extends DefioDriver {
  private readonly writer = new ByteWriter(1 << 16);
  private readonly row: Uint16Array;
  private readonly region: Region;
  private readonly full: boolean;
  private initialized = false;

  constructor(
    fb: FbDeferredIoApi,
    private readonly transport: ByteTransport,
    scheduler: SchedulerLike,
    fbtftOptions?: FbtftOptions,
  ) {
    const options = optionsOf(fbtftOptions, 'fbtft options');
    checkTransport(transport);
    checkOptional(options.fullRefresh, (m) => m === 'never' || m === 'always', 'fullRefresh');
    const fps = options.fps ?? FBTFT_DEFAULT_FPS;
    check(Number.isFinite(fps) && fps > 0, 'EINVAL', `fps ${fps}`);
    const windows = options.windows ?? 1;
    check(Number.isSafeInteger(windows) && windows >= 1, 'EINVAL', `windows ${windows}`);
    super(fb, scheduler, {
      minIntervalMs: 1000 / fps,
      retryMs: options.retryMs,
      maxRetries: options.maxRetries,
    });
    this.row = new Uint16Array(this.view.surface.width);
    this.region = new Region(windows);
    this.full = options.fullRefresh === 'always';
  }

  start(dirty: DirtyPages, done: SendDone): void {
    const { region, writer, view } = this;
    region.clear();
    if (this.full) region.addRect(view.surface.bounds);
    else forEachDirtyClip(view, dirty, (r) => region.addRect(r));
    writer.reset();
    if (!this.initialized) encodeDcsInit(writer);
    region.forEachRect((x1, y1, x2, y2) =>
      encodeDcsRect(writer, view.surface, new Rect(x1, y1, x2, y2), this.row),
    );
    if (writer.length === 0) {
      done();
      return;
    }
    this.transport.send(writer.view(), (error) => {
      this.initialized = !error;
      done(error);
    });
  }
}
