import { type Damage, type DrmFbHelper, Region } from '@fbemu/drm-fb-helper';
import { check, type GemShmemObject } from '@fbemu/gem-shmem';
import type { Subscription } from 'rxjs';
import { type DisplayMode, outputMode } from './display-mode.js';
import { DrmFramebuffer } from './framebuffer.js';
import type { KmsModeConfig } from './mode-config.js';
import type { KmsScanout } from './scanout.js';

/** What the fbdev client needs of its device: modeset the CRTC onto its framebuffer. */
export interface FbdevHost {
  readonly config: KmsModeConfig;
  readonly scanout: KmsScanout;
  /** a file is DRM master: the fbdev client must not modeset (`drm_master_internal_acquire` fails) */
  readonly masterHeld: boolean;
  modeset(crtc: KmsModeConfig['crtc'], mode: DisplayMode, fb: DrmFramebuffer, x: number, y: number): void;
}

/**
 * The DRM fbdev emulation as an in-kernel client of this device (`drm_fbdev_shmem` +
 * `drm_client`): /dev/fbN's GEM buffer becomes a framebuffer of the device (not listed to any
 * file), shown on the CRTC whenever no program drives it — at attach, and again at the device's
 * last close (`drm_lastclose` → `drm_client_dev_restore`). While it is shown, the fbdev damage
 * (defio writebacks, write(), drawing) is scanout damage, and panning moves the CRTC's viewport.
 */
export class FbdevClient {
  readonly fb: DrmFramebuffer;
  private readonly mode: DisplayMode;
  private readonly subscription: Subscription;
  /** where the fbdev's own modeset put the CRTC's viewport (a master may show this fb elsewhere) */
  private shownAt = { x: 0, y: 0 };

  constructor(
    private readonly host: FbdevHost,
    readonly helper: DrmFbHelper,
    object: GemShmemObject,
  ) {
    const { bo, info } = helper;
    const same = object.hasPages && bo.bytes.buffer === object.memory && bo.bytes.byteOffset === 0;
    check(same, 'EINVAL', 'not the fbdev buffer object');
    const { xres, yres, xresVirtual, yresVirtual } = info.var;
    this.mode =
      host.config.connector.modes.find((m) => m.hdisplay === xres && m.vdisplay === yres) ??
      outputMode(xres, yres, 60, false);
    // the whole virtual screen is one framebuffer, which ADDFB2's size limits apply to
    // (drm_client_framebuffer_create fails, so the kernel's fbdev probe does)
    check(
      xresVirtual <= host.config.maxWidth && yresVirtual <= host.config.maxHeight,
      'EINVAL',
      `fbdev ${xresVirtual}x${yresVirtual} larger than the device's largest framebuffer (${host.config.maxWidth}x${host.config.maxHeight})`,
    );
    this.fb = new DrmFramebuffer({ fbs: [] }, object, xresVirtual, yresVirtual, bo.format, bo.pitch, 0);
    host.config.idr.add(this.fb);
    this.subscription = helper.damage$.subscribe(this.onDamage);
  }

  /** Shows the fbdev on the CRTC at its current pan offset (fbcon / the fbdev program is back). */
  restore(): void {
    const v = this.helper.viewport();
    this.shownAt = { x: v.x1, y: v.y1 };
    this.host.modeset(this.host.config.crtc, this.mode, this.fb, v.x1, v.y1);
  }

  get shown(): boolean {
    return this.host.scanout.fb === this.fb;
  }

  /** Stops reporting damage and drops the framebuffer (the caller turns the CRTC off first if shown). */
  detach(): void {
    this.subscription.unsubscribe();
    this.host.config.idr.remove(this.fb);
    this.fb.destroy();
  }

  private readonly onDamage = (d: Damage): void => {
    if (!this.shown) return;
    const { crtc } = this.host.config;
    // the fbdev panned from where its own modeset put the CRTC: the CRTC follows, everything is
    // new. A program that SETCRTCs this fb at another offset keeps it there (also after it
    // dropped master), and no pan moves the CRTC while a master holds the device: the kernel's
    // damage worker only flushes, it never modesets.
    const own = crtc.x === this.shownAt.x && crtc.y === this.shownAt.y && !this.host.masterHeld;
    if (own && (d.viewport.x1 !== crtc.x || d.viewport.y1 !== crtc.y)) {
      this.restore();
      return;
    }
    this.host.scanout.damage(this.fb, Region.fromRects(d.fbClips, this.host.scanout.maxRects), 'fbdev');
  };
}
