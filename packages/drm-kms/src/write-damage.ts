import { PagerefDamage, Region } from '@fbemu/drm-fb-helper';
import type { PagerefBatch } from '@fbemu/fbdev-defio';
import type { DrmFramebuffer } from './framebuffer.js';

/**
 * Writeback batches of a framebuffer's GEM object → damage of that framebuffer, through
 * drm-fb-helper's `PagerefDamage` (region mode) over the fb's pitch and size. Pagerefs are object
 * offsets; an fb starting at a page-aligned offset drops the pages before it, an fb starting
 * inside a page gets no page geometry to work with and is damaged whole (undefined).
 */
export class WriteDamage {
  private readonly perFb = new WeakMap<DrmFramebuffer, PagerefDamage>();
  private readonly region: Region;

  constructor(maxRects: number) {
    this.region = new Region(maxRects);
  }

  /** The damage of `batch` in `fb` coordinates (a reused region), or undefined for "all of it". */
  of(fb: DrmFramebuffer, batch: PagerefBatch): Region | undefined {
    const pageSize = fb.object.geometry.size;
    if (fb.offset % pageSize !== 0) return undefined;
    let damage = this.perFb.get(fb);
    if (!damage) {
      const geometry = {
        lineLength: fb.pitch,
        bitsPerPixel: fb.format.bpp,
        width: fb.width,
        height: fb.height,
        total: fb.pitch * fb.height,
      };
      damage = new PagerefDamage(geometry, pageSize);
      this.perFb.set(fb, damage);
    }
    const refs =
      fb.offset === 0
        ? batch.pagerefs
        : batch.pagerefs.filter((r) => r.offset >= fb.offset).map((r) => ({ offset: r.offset - fb.offset }));
    const region = this.region.clear();
    damage.damage(refs, batch.sorted, 'region', region);
    return region;
  }
}
