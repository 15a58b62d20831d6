import type { FbDeferredIoApi, FbInfo, PagerefBatch } from '@fbemu/fbdev-defio';
import { check, checkCount } from '@fbemu/gem-shmem';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { ShadowBlitter } from './blit.js';
import { type ClipGeometry, clipGeometry, memoryRangeToClip, memoryRangeToClips } from './clip.js';
import { type Damage, type DamageStats, DamageWorker } from './damage-worker.js';
import {
  copyarea,
  type FbCopyarea,
  type FbFillrect,
  type FbImage,
  fbWrite,
  fillrect,
  imageblit,
} from './fb-ops.js';
import { type ClipMode, PagerefDamage } from './pageref-damage.js';
import { checkRect, Rect } from './rect.js';
import { Region } from './region.js';
import type { FbSurface } from './surface.js';

/** What a setup hands the helper: the fbdev side, the surfaces, and how to undo the setup. */
export interface DrmFbHelperParts {
  info: FbInfo;
  defio: FbDeferredIoApi;
  /** what /dev/fb shows and fb_ops draw into: the shadow, or the GEM object itself */
  screen: FbSurface;
  /** the GEM object's pixels (vmap) */
  bo: FbSurface;
  scheduler: SchedulerLike;
  mode: ClipMode;
  maxRects?: number;
  pageSize: number;
  dirty?: (damage: Damage) => void;
  /** releases what the setup acquired (vunmap, dumb destroy, file close), after the last flush */
  release: () => void;
}

/**
 * The DRM fbdev helper of one framebuffer (`struct drm_fb_helper`): turns defio writebacks,
 * `write()` and fb_ops drawing into damage, runs the damage worker (shadow blit + dirty callback)
 * and reports damage in visible-screen coordinates on `damage$`. Panning moves the viewport
 * inside the virtual resolution; writes outside it are kept and appear when panned in.
 */
export class DrmFbHelper {
  readonly info: FbInfo;
  readonly defio: FbDeferredIoApi;
  readonly screen: FbSurface;
  readonly bo: FbSurface;
  readonly shadowed: boolean;
  readonly clipMode: ClipMode;
  readonly geometry: ClipGeometry;
  readonly damage$: Observable<Damage>;
  readonly errors$: Observable<unknown>;
  private readonly worker: DamageWorker;
  private readonly pagerefDamage: PagerefDamage;
  private readonly batchDamage: Region;
  private readonly subscription: Subscription;
  private readonly release: () => void;
  private destroyed = false;

  constructor(parts: DrmFbHelperParts) {
    const { info, screen, bo } = parts;
    this.info = info;
    this.defio = parts.defio;
    this.screen = screen;
    this.bo = bo;
    this.shadowed = screen !== bo;
    this.clipMode = parts.mode;
    this.release = parts.release;
    this.geometry = clipGeometry({
      lineLength: info.fix.lineLength,
      bitsPerPixel: info.var.bitsPerPixel,
      width: info.var.xresVirtual,
      height: info.var.yresVirtual,
      total: info.fix.smemLen,
    });
    const blitter = this.shadowed ? new ShadowBlitter(screen, bo) : undefined;
    this.worker = new DamageWorker(
      parts.scheduler,
      {
        viewport: () => this.viewport(),
        blit: blitter && ((clip) => blitter.blitRegion(clip)),
        dirty: parts.dirty,
      },
      { mode: parts.mode, maxRects: parts.maxRects },
    );
    this.damage$ = this.worker.damage$;
    this.errors$ = this.worker.errors$;
    this.pagerefDamage = new PagerefDamage(this.geometry, parts.pageSize);
    this.batchDamage = new Region(parts.maxRects);
    this.subscription = this.defio.pagerefs$.subscribe((batch) => this.deferredIo(batch));
  }

  get stats(): Readonly<DamageStats> {
    return this.worker.stats;
  }

  /** The visible area in framebuffer coordinates: (xoffset, yoffset) + xres × yres. */
  viewport(): Rect {
    const v = this.info.var;
    return new Rect(v.xoffset, v.yoffset, v.xoffset + v.xres, v.yoffset + v.yres);
  }

  /** `drm_fb_helper_deferred_io`: one writeback batch → damage (from `pageref.offset` only). */
  private deferredIo(batch: PagerefBatch): void {
    this.batchDamage.clear();
    this.pagerefDamage.damage(batch.pagerefs, batch.sorted, this.clipMode, this.batchDamage);
    this.worker.addRegion(this.batchDamage);
  }

  /** `drm_fb_helper_damage_range`: damage for a byte range of the framebuffer. */
  damageRange(offset: number, length: number): void {
    if (this.clipMode === 'bbox') {
      this.worker.addRect(memoryRangeToClip(this.geometry, offset, length));
      return;
    }
    this.batchDamage.clear();
    memoryRangeToClips(this.geometry, offset, length, this.batchDamage);
    this.worker.addRegion(this.batchDamage);
  }

  /** `drm_fb_helper_damage_area` for a rect in framebuffer coordinates. */
  damageRect(rect: Rect): void {
    checkRect(rect, 'damage rect');
    this.worker.addRect(rect.clipTo(this.geometry.width, this.geometry.height));
  }

  /** The fbdev `write()` path: bytes at `pos`, clamped at smem_len; returns the count written. */
  write(pos: number, bytes: Uint8Array): number {
    this.assertLive();
    const n = fbWrite(this.screen.bytes, this.info.fix.smemLen, pos, bytes);
    if (n > 0) this.damageRange(pos, n);
    return n;
  }

  fillrect(op: FbFillrect): Rect {
    return this.drawn(fillrect(this.live(), op));
  }

  copyarea(op: FbCopyarea): Rect {
    return this.drawn(copyarea(this.live(), op));
  }

  imageblit(image: FbImage): Rect {
    return this.drawn(imageblit(this.live(), image));
  }

  /**
   * FBIOPAN_DISPLAY: shows the part of the virtual framebuffer at (xoffset, yoffset). EINVAL
   * (state unchanged) unless the viewport stays inside the virtual resolution. The whole new
   * viewport is damaged, so content drawn off screen is presented now.
   */
  pan(xoffset: number, yoffset: number): void {
    this.assertLive();
    checkCount(xoffset, 'xoffset');
    checkCount(yoffset, 'yoffset');
    const v = this.info.var;
    check(xoffset + v.xres <= v.xresVirtual, 'EINVAL', `xoffset ${xoffset} + xres beyond xres_virtual`);
    check(yoffset + v.yres <= v.yresVirtual, 'EINVAL', `yoffset ${yoffset} + yres beyond yres_virtual`);
    if (xoffset === v.xoffset && yoffset === v.yoffset) return;
    v.xoffset = xoffset;
    v.yoffset = yoffset;
    this.worker.addRect(this.viewport());
  }

  /** fsync on /dev/fb: run a pending writeback and the damage run it causes, now. */
  fsync(): void {
    this.assertLive();
    this.defio.fsync();
    this.worker.flush();
  }

  /** fb_set_suspend: damage accumulates but is not flushed until resumed. */
  setSuspended(suspended: boolean): void {
    this.worker.setSuspended(suspended);
  }

  /** Teardown: flush defio and the damage worker, then release the GEM side. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.defio.cleanup();
    this.worker.flush();
    this.subscription.unsubscribe();
    this.worker.dispose();
    this.release();
  }

  private drawn(r: Rect): Rect {
    this.worker.addRect(r);
    return r;
  }

  private live(): FbSurface {
    this.assertLive();
    return this.screen;
  }

  private assertLive(): void {
    check(!this.destroyed, 'ENODEV', 'the fbdev emulation was destroyed');
  }
}
