import type { Rect } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import { map, type Observable, type Subscription } from 'rxjs';
import type { ClientDamage, ClientStats } from '../app/tokens.js';

/**
 * A client's damage and writeback counters: every defio writeback (`pagerefs$`) counts, and the
 * damage that follows carries the time its cycle was armed (the first write), for latency.
 */
export class WritebackDamage {
  readonly stats: ClientStats = { writebacks: 0, pagesFlushed: 0, damagePixels: 0 };
  readonly damage$: Observable<ClientDamage>;
  private readonly watch: Subscription;
  private armedAt: number | undefined;

  constructor(fbdev: FbDeferredIoApi, rects$: Observable<readonly Rect[]>) {
    this.watch = fbdev.pagerefs$.subscribe((batch) => {
      this.stats.writebacks += 1;
      this.stats.pagesFlushed += batch.pagerefs.length;
      this.armedAt = Math.min(batch.armedAt, this.armedAt ?? batch.armedAt);
    });
    this.damage$ = rects$.pipe(
      map((rects) => {
        const armedAt = this.armedAt;
        this.armedAt = undefined;
        for (const r of rects) this.stats.damagePixels += r.area;
        return { rects, armedAt };
      }),
    );
  }

  close(): void {
    this.watch.unsubscribe();
  }
}
