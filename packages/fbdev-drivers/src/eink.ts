import { Rect, Region } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import { check, optionsOf } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { ByteWriter } from './byte-writer.js';
import { checkTransport } from './checks.js';
import { DefioDriver } from './defio-driver.js';
import { DirtyPages } from './dirty-pages.js';
import { encodeEinkArea } from './eink-encoder.js';
import { einkRefresh, type RefreshMode } from './eink-protocol.js';
import { forEachDirtyClip } from './fb-view.js';
import { checkGreyBits, type GreyBits } from './grey.js';
import { pageChecksum } from './page-checksum.js';
import type { ByteTransport, EinkDriverStats, EinkOptions, SendDone } from './tokens.js';

/**
 * E-paper panels (metronomefb, broadsheetfb): dirty pages in offset order, each checksummed;
 * pages whose checksum did not change are skipped (nothing is sent for them). The changed
 * pages' rows are loaded as grey areas and one refresh waveform follows — full every
 * `fullEvery` refreshes to clear ghosting, partial otherwise. The controller is busy until the
 * waveform ends and completes the transfer only then, so batches that arrive meanwhile wait in
 * the pump and go out together (slow-device back-pressure). A failed transfer forgets the
 * checksums it recorded, so its pages count as changed when they are retried.
 */
export class EinkDriver extends DefioDriver {
  readonly einkStats: EinkDriverStats = {
    pagesChecked: 0,
    pagesSkipped: 0,
    partialRefreshes: 0,
    fullRefreshes: 0,
  };
  private readonly writer = new ByteWriter(1 << 16);
  private readonly words: Int32Array | undefined;
  private readonly sums: Uint32Array;
  private readonly known: Uint8Array;
  private readonly sum = new Uint32Array(2);
  private readonly changed: DirtyPages;
  private readonly region: Region;
  private readonly levels: Uint8Array;
  private readonly bits: GreyBits;
  private readonly fullEvery: number;
  private refreshes = 0;

  constructor(
    fb: FbDeferredIoApi,
    private readonly transport: ByteTransport,
    scheduler: SchedulerLike,
    einkOptions?: EinkOptions,
  ) {
    const options = optionsOf(einkOptions, 'e-ink options');
    checkTransport(transport);
    const bits = options.bits ?? 4;
    checkGreyBits(bits);
    const fullEvery = options.fullEvery ?? 10;
    check(Number.isSafeInteger(fullEvery) && fullEvery >= 0, 'EINVAL', `fullEvery ${fullEvery}`);
    super(fb, scheduler, { retryMs: options.retryMs, maxRetries: options.maxRetries });
    this.bits = bits;
    this.fullEvery = fullEvery;
    const { bytes, pageSize, smemLen, surface } = this.view;
    this.words =
      bytes.byteOffset % 4 === 0 ? new Int32Array(bytes.buffer, bytes.byteOffset, smemLen >> 2) : undefined;
    const pages = Math.ceil(smemLen / pageSize);
    this.sums = new Uint32Array(pages * 2);
    this.known = new Uint8Array(pages);
    this.changed = new DirtyPages(pageSize, smemLen);
    this.region = new Region(options.maxAreas ?? 8);
    this.levels = new Uint8Array(surface.width);
  }

  start(dirty: DirtyPages, done: SendDone): void {
    this.changed.clear();
    dirty.forEachPage(this.checkPage);
    const { region, writer, view } = this;
    region.clear();
    forEachDirtyClip(view, this.changed, (r) => region.addRect(r));
    if (region.isEmpty()) {
      done();
      return;
    }
    writer.reset();
    region.forEachRect((x1, y1, x2, y2) =>
      encodeEinkArea(writer, view.surface, new Rect(x1, y1, x2, y2), this.bits, this.levels),
    );
    const mode: RefreshMode =
      this.fullEvery > 0 && (this.refreshes + 1) % this.fullEvery === 0 ? 'full' : 'partial';
    einkRefresh(writer, mode);
    this.transport.send(writer.view(), (error) => {
      if (error) this.changed.forEachPage(this.forget);
      else this.refreshed(mode);
      done(error);
    });
  }

  /** Records page `p` as changed unless its checksum equals the last one sent. */
  private readonly checkPage = (p: number): void => {
    const { pageSize, smemLen, bytes } = this.view;
    const off = p * pageSize;
    pageChecksum(bytes, this.words, off, Math.min(pageSize, smemLen - off), this.sum, 0);
    this.einkStats.pagesChecked++;
    if (this.known[p] === 1 && this.sums[p * 2] === this.sum[0] && this.sums[p * 2 + 1] === this.sum[1]) {
      this.einkStats.pagesSkipped++;
      return;
    }
    this.sums[p * 2] = this.sum[0];
    this.sums[p * 2 + 1] = this.sum[1];
    this.known[p] = 1;
    this.changed.addPage(p);
  };

  private readonly forget = (p: number): void => {
    this.known[p] = 0;
  };

  private refreshed(mode: RefreshMode): void {
    this.refreshes++;
    if (mode === 'full') this.einkStats.fullRefreshes++;
    else this.einkStats.partialRefreshes++;
  }
}
