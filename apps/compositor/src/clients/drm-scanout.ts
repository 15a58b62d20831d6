import { FbSurface, XRGB8888 } from '@fbemu/drm-fb-helper';
import type { DrmKmsDevice, ScanoutFrame } from '@fbemu/drm-kms';
import { type Observable, type SchedulerLike, Subject, Subscription } from 'rxjs';
import type { ClientDamage } from '../app/tokens.js';
import type { Compositor } from '../compose/compositor.js';
import { Plane } from '../compose/plane.js';

/** Where the CRTC's picture sits on the output. */
export interface DrmScanoutPlacement {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** Counters for the stats line and benchmarks. */
export interface DrmScanoutStats {
  /** scanout frames received (modeset, flip, dirtyfb, write, fbdev, off) */
  frames: number;
  /** page flips completed (flipDone called after the composite that showed them) */
  flips: number;
  /** pixels of scanout damage */
  damagePixels: number;
}

/**
 * A compositor plane showing what a DRM CRTC scans out: the plane's surface IS the current
 * buffer's `screen` (the program's memory, no copy), swapped on SETCRTC and PAGE_FLIP; the scanout
 * damage comes out of `damage$` in plane coordinates (route it synchronously into
 * `compositor.damagePlane`, as the Scene does). The compositor is the CRTC's vblank: after a
 * flip, `card.flipDone()` is called once the compositor has composited the frame holding the new
 * buffer's damage, so the program's flip event means "shown". CRTC off: the plane stays where it
 * is and shows black at its last size (a monitor without signal). Pixel formats are converted as
 * for every plane (RGB565, RGB888 rows converted, ARGB8888 blended).
 */
export class DrmScanoutSource {
  readonly plane: Plane;
  readonly damage$: Observable<ClientDamage>;
  readonly stats: DrmScanoutStats = { frames: 0, flips: 0, damagePixels: 0 };
  private readonly damage = new Subject<ClientDamage>();
  private readonly subscriptions = new Subscription();
  /** a flip was emitted: the next composite shows it, then the flip completes */
  private flipWaiting = false;
  private black: FbSurface | undefined;

  constructor(
    private readonly card: DrmKmsDevice,
    private readonly compositor: Compositor,
    private readonly scheduler: SchedulerLike,
    at: DrmScanoutPlacement,
  ) {
    const shown = card.scanout.current()?.screen;
    const preferred = card.config.connector.modes[0];
    this.plane = new Plane(
      at.id,
      shown ?? this.blackOf(preferred.hdisplay, preferred.vdisplay),
      at.x,
      at.y,
      at.z,
    );
    this.damage$ = this.damage.asObservable();
    this.subscriptions.add(card.scanout$.subscribe((f) => this.onFrame(f)));
    this.subscriptions.add(compositor.frames$.subscribe(() => this.composited()));
  }

  /** Stops following the CRTC; a flip still waiting completes (the program must not hang). */
  close(): void {
    this.subscriptions.unsubscribe();
    this.composited();
    this.damage.complete();
  }

  private onFrame(frame: ScanoutFrame): void {
    this.stats.frames++;
    const { surface } = this.plane;
    const next = frame.buffer?.screen ?? this.blackOf(surface.width, surface.height);
    if (next !== surface) this.show(next);
    // off has no damage of its own: the whole plane turns black
    const rects = frame.buffer ? frame.damage : [next.bounds];
    for (const r of rects) this.stats.damagePixels += r.area;
    this.damage.next({ rects });
    if (frame.reason === 'off') this.flipWaiting = false; // the device completed it already
    if (frame.reason !== 'flip') return;
    this.flipWaiting = true;
    // nothing of the plane is on the output: no composite will come, the vblank still does
    if (!this.compositor.damagePending) this.scheduler.schedule(() => this.composited());
  }

  /** A new surface; when its size differs, the area it no longer covers is damaged first. */
  private show(next: FbSurface): void {
    const old = this.plane.surface;
    if (old.width !== next.width || old.height !== next.height) this.damage.next({ rects: [old.bounds] });
    this.plane.surface = next;
  }

  private composited(): void {
    if (!this.flipWaiting) return;
    this.flipWaiting = false;
    this.stats.flips++;
    this.card.flipDone();
  }

  /** One black XRGB8888 surface, reused while the size stays. */
  private blackOf(width: number, height: number): FbSurface {
    const b = this.black;
    if (b && b.width === width && b.height === height) return b;
    this.black = new FbSurface(new Uint8Array(width * height * 4), width, height, width * 4, XRGB8888);
    return this.black;
  }
}

/**
 * Mounts a scanout source outside a Scene (tests, benchmarks, embedders): adds its plane and
 * routes its damage into the compositor. Unsubscribing removes neither.
 */
export function mountDrmScanout(compositor: Compositor, source: DrmScanoutSource): Subscription {
  compositor.addPlane(source.plane);
  return source.damage$.subscribe((d) => compositor.damagePlane(source.plane.id, d.rects));
}

/**
 * Mounts a scanout source's plane only while its CRTC shows a buffer (`lit`): a program's
 * /dev/dri/card0 picture covers its /dev/fb0 plane while the program drives the CRTC, as a KMS
 * master takes the display from the fbdev console, and uncovers it when the CRTC goes off (SETCRTC
 * without a buffer, RMFB of the shown buffer, the program's exit). Unsubscribing unmounts.
 */
export function mountDrmScanoutWhileLit(
  compositor: Compositor,
  source: DrmScanoutSource,
  lit: () => boolean,
): Subscription {
  const { plane } = source;
  let mounted = false;
  const unmount = () => {
    if (mounted) compositor.removePlane(plane.id);
    mounted = false;
  };
  const subscription = source.damage$.subscribe((d) => {
    const on = lit();
    // addPlane and removePlane damage the whole plane area themselves
    if (on && !mounted) compositor.addPlane(plane);
    else if (!on) unmount();
    else compositor.damagePlane(plane.id, d.rects);
    mounted = on;
  });
  subscription.add(unmount);
  return subscription;
}
