import { FbSurface } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import { check, checkOptional, optionsOf } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { ByteWriter } from './byte-writer.js';
import { checkTransport } from './checks.js';
import { DefioDriver } from './defio-driver.js';
import type { DirtyPages } from './dirty-pages.js';
import { forEachDirtyClip } from './fb-view.js';
import { rowToRgb565 } from './rgb565.js';
import type { ByteTransport, SendDone, UdlDriverStats, UdlOptions } from './tokens.js';
import { changedSpans, encodeUdlSpan, type PixelUnits, pixelUnits } from './udl-encoder.js';

/** Unchanged pixels between two changed spans below which they are sent as one (a header is 7 bytes). */
export const UDL_DEFAULT_MERGE_GAP = 4;

/**
 * USB displays (udlfb, smscufx): every row the dirty pages touch is compared with a backing
 * copy of what the device already shows; only changed spans are sent, RLE-compressed, as
 * WRITE_SPAN commands. The changed spans are copied into the backing copy first and encoded
 * from it, so a store racing the update is either in what was sent or differs from the backing
 * next time (its page is enlisted again) — never silently dropped. A failed transfer marks its
 * rows unknown, so they go out whole on the retry. `mode: 'rows'` sends whole dirty rows (no
 * diff), the baseline the benchmarks compare with.
 */
export class UdlDriver extends DefioDriver {
  readonly udlStats: UdlDriverStats = { rows: 0, spans: 0, bytes: 0, rawBytes: 0 };
  private readonly writer = new ByteWriter(1 << 16);
  private readonly backing: Uint8Array;
  private readonly backSurface: FbSurface;
  /** the live framebuffer and the backing copy in the same pixel units, for the row compare */
  private readonly liveUnits: PixelUnits;
  private readonly backUnits: PixelUnits;
  private readonly unitBytes: number;
  private readonly rowKnown: Uint8Array;
  private readonly rowDirty: Uint8Array;
  private readonly sentRows: Int32Array;
  private sentCount = 0;
  private readonly px: Uint16Array;
  private readonly spans: Int32Array;
  private readonly diff: boolean;
  private readonly compress: boolean;
  private readonly mergeGap: number;

  constructor(
    fb: FbDeferredIoApi,
    private readonly transport: ByteTransport,
    scheduler: SchedulerLike,
    udlOptions?: UdlOptions,
  ) {
    const options = optionsOf(udlOptions, 'USB display options');
    checkTransport(transport);
    checkOptional(options.mode, (m) => m === 'spans' || m === 'rows', 'mode');
    checkOptional(options.compress, (c) => typeof c === 'boolean', 'compress');
    const mergeGap = options.mergeGap ?? UDL_DEFAULT_MERGE_GAP;
    check(Number.isSafeInteger(mergeGap) && mergeGap >= 0, 'EINVAL', `mergeGap ${mergeGap}`);
    super(fb, scheduler, {
      retryMs: options.retryMs,
      maxRetries: options.maxRetries,
      minIntervalMs: options.minIntervalMs,
    });
    this.diff = (options.mode ?? 'spans') === 'spans';
    this.compress = options.compress ?? true;
    this.mergeGap = mergeGap;
    const s = this.view.surface;
    this.backing = new Uint8Array(s.pitch * s.height);
    this.backSurface = new FbSurface(this.backing, s.width, s.height, s.pitch, s.format);
    const live = pixelUnits(this.view.bytes.subarray(0, this.backing.length), s.cpp, s.pitch);
    const back = pixelUnits(this.backing, s.cpp, s.pitch);
    const same = live.unitBytes === back.unitBytes;
    this.liveUnits = same ? live.units : this.view.bytes;
    this.backUnits = same ? back.units : this.backing;
    this.unitBytes = same ? live.unitBytes : 1;
    this.rowKnown = new Uint8Array(s.height);
    this.rowDirty = new Uint8Array(s.height);
    this.sentRows = new Int32Array(s.height);
    this.px = new Uint16Array(s.width);
    this.spans = new Int32Array(s.width + 2);
  }

  start(dirty: DirtyPages, done: SendDone): void {
    forEachDirtyClip(this.view, dirty, (r) => this.rowDirty.fill(1, r.y1, r.y2));
    this.writer.reset();
    this.sentCount = 0;
    for (let y = 0; y < this.rowDirty.length; y++) {
      if (this.rowDirty[y] === 0) continue;
      this.rowDirty[y] = 0;
      this.encodeRow(y);
    }
    if (this.writer.length === 0) {
      done();
      return;
    }
    this.udlStats.bytes += this.writer.length;
    this.transport.send(this.writer.view(), (error) => {
      if (error) for (let i = 0; i < this.sentCount; i++) this.rowKnown[this.sentRows[i]] = 0;
      done(error);
    });
  }

  private encodeRow(y: number): void {
    const { bytes, surface } = this.view;
    const { width, cpp } = surface;
    const off = surface.offsetOf(0, y);
    const spans = this.spans;
    let n = 1;
    if (this.diff && this.rowKnown[y] === 1) {
      const ub = this.unitBytes;
      n = changedSpans(this.liveUnits, this.backUnits, off / ub, width, cpp / ub, this.mergeGap, spans);
    } else {
      spans[0] = 0;
      spans[1] = width;
    }
    this.udlStats.rows++;
    this.udlStats.rawBytes += width * 2;
    if (n === 0) return;
    for (let i = 0; i < n; i++) {
      this.backing.set(
        bytes.subarray(off + spans[2 * i] * cpp, off + spans[2 * i + 1] * cpp),
        off + spans[2 * i] * cpp,
      );
    }
    rowToRgb565(this.backSurface, 0, y, width, this.px);
    for (let i = 0; i < n; i++) {
      encodeUdlSpan(
        this.writer,
        y,
        spans[2 * i],
        this.px,
        spans[2 * i],
        spans[2 * i + 1] - spans[2 * i],
        this.compress,
      );
    }
    this.udlStats.spans += n;
    this.rowKnown[y] = 1;
    this.sentRows[this.sentCount++] = y;
  }
}
