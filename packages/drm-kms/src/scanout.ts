import { FbSurface, Rect, Region } from '@fbemu/drm-fb-helper';
import { Observable, type SchedulerLike, Subject } from 'rxjs';
import type { DisplayMode } from './display-mode.js';
import type { DrmFramebuffer } from './framebuffer.js';
import type { KmsFile } from './kms-file.js';
import type { DrmCrtc } from './mode-config.js';
import { DRM_EVENT_FLIP_COMPLETE, STRUCTS } from './uapi.js';

/** Why a frame was emitted. */
export type ScanoutReason = 'modeset' | 'flip' | 'dirtyfb' | 'write' | 'fbdev' | 'off';

/** What a CRTC scans out: a framebuffer's memory and the part of it the mode shows. */
export interface ScanoutBuffer {
  readonly fbId: number;
  /** the whole framebuffer (its memory is the GEM object's: stores show up without a copy) */
  readonly surface: FbSurface;
  /** the shown part in framebuffer coordinates: (x, y) to (x + hdisplay, y + vdisplay) */
  readonly viewport: Rect;
  /**
   * The shown part as a surface of its own (hdisplay × vdisplay, the fb's pitch, pixel (0,0) at
   * the viewport's top-left): what a compositor plane shows; `damage` is in its coordinates.
   */
  readonly screen: FbSurface;
  readonly mode: DisplayMode;
}

/** One update of a CRTC for the compositor. */
export interface ScanoutFrame {
  readonly crtcId: number;
  /** undefined: the CRTC is off (nothing to show) */
  readonly buffer: ScanoutBuffer | undefined;
  /** damaged rects in screen coordinates (viewport top-left = 0,0), at most `maxRects` */
  readonly damage: readonly Rect[];
  readonly reason: ScanoutReason;
  /** 1 for the first frame, +1 per frame */
  readonly seq: number;
  /** scheduler time of the update */
  readonly at: number;
}

interface PendingFlip {
  readonly file: KmsFile;
  /** user_data of DRM_MODE_PAGE_FLIP_EVENT; undefined: no event wanted (or its file is gone) */
  userData: bigint | undefined;
}

const EV = STRUCTS.drm_event_vblank;

/**
 * The scanout of one CRTC: emits a `ScanoutFrame` whenever what it shows changes (modeset, page
 * flip, DIRTYFB, tracked stores, off) and holds the page flip the compositor has not shown yet.
 * The compositor calls `flipDone()` after it composited a frame: that is the vblank at which a
 * pending flip completes and its `DRM_EVENT_FLIP_COMPLETE` event is queued to the file.
 */
export class KmsScanout {
  readonly frames$: Observable<ScanoutFrame>;
  private readonly frames = new Subject<ScanoutFrame>();
  private readonly work: Region;
  private pending: PendingFlip | undefined;
  /** the last ScanoutBuffer and what it was made from */
  private shown:
    | { fb: DrmFramebuffer; mode: DisplayMode; x: number; y: number; buffer: ScanoutBuffer }
    | undefined;
  private seq = 0;
  /** vblank counter (drm_crtc_vblank_count): +1 per flipDone() */
  private vblanks = 0;

  constructor(
    readonly crtc: DrmCrtc,
    private readonly scheduler: SchedulerLike,
    readonly maxRects = 16,
  ) {
    this.frames$ = this.frames.asObservable();
    this.work = new Region(maxRects);
  }

  get flipPending(): boolean {
    return this.pending !== undefined;
  }

  get vblankCount(): number {
    return this.vblanks;
  }

  /** What the CRTC shows now, or undefined when it is off (the same object until that changes). */
  current(): ScanoutBuffer | undefined {
    const { crtc } = this;
    const fb = crtc.primary.fb;
    if (!crtc.enabled || !fb || !crtc.mode) return undefined;
    const last = this.shown;
    if (last && last.fb === fb && last.mode === crtc.mode && last.x === crtc.x && last.y === crtc.y)
      return last.buffer;
    const { mode, x, y } = crtc;
    const viewport = new Rect(x, y, x + mode.hdisplay, y + mode.vdisplay);
    const s = fb.surface;
    const screen = new FbSurface(
      s.bytes.subarray(s.offsetOf(x, y)),
      mode.hdisplay,
      mode.vdisplay,
      s.pitch,
      s.format,
    );
    const buffer = Object.freeze({ fbId: fb.id, surface: s, viewport, screen, mode });
    this.shown = { fb, mode, x, y, buffer };
    return buffer;
  }

  /** The framebuffer being scanned out, if any. */
  get fb(): DrmFramebuffer | undefined {
    return this.crtc.enabled ? this.crtc.primary.fb : undefined;
  }

  /** A new configuration or buffer: the whole viewport is damaged (or the CRTC went off). */
  showAll(reason: ScanoutReason): void {
    const buffer = this.current();
    const damage = buffer ? [buffer.viewport.translate(-buffer.viewport.x1, -buffer.viewport.y1)] : [];
    this.emit(buffer, damage, buffer ? reason : 'off');
  }

  /**
   * Damage to `fb` in framebuffer coordinates: clipped to the viewport (like the damage iterator
   * clips to the plane's source), merged into at most `maxRects` rects, emitted if `fb` is shown.
   * An empty `clips` means the whole viewport (DIRTYFB with no clips).
   */
  damage(fb: DrmFramebuffer, clips: Region | undefined, reason: ScanoutReason): void {
    const buffer = this.current();
    if (!buffer || this.fb !== fb) return;
    const vp = buffer.viewport;
    const region = this.work.clear();
    if (clips) region.union(clips).intersectRect(vp);
    else region.addRect(vp);
    if (region.isEmpty()) return;
    this.emit(buffer, region.translate(-vp.x1, -vp.y1).rects(), reason);
  }

  /** Starts a page flip: it completes at the next `flipDone()`. */
  beginFlip(file: KmsFile, userData: bigint | undefined): void {
    this.pending = { file, userData };
  }

  /**
   * The vblank after the compositor showed the current frame: the vblank counter advances and a
   * pending flip completes, queueing its event (`struct drm_event_vblank`) to the file that asked.
   */
  flipDone(): void {
    this.vblanks = (this.vblanks + 1) >>> 0;
    const flip = this.pending;
    this.pending = undefined;
    if (flip?.userData !== undefined) flip.file.queueEvent(this.flipEvent(flip.userData));
  }

  /** The file closed: its pending flip still happens, but no event is delivered (drm_events_release). */
  forgetFile(file: KmsFile): void {
    if (this.pending?.file === file) this.pending.userData = undefined;
  }

  /** Turning the CRTC off completes a pending flip at once (nothing will show it). */
  completePending(): void {
    if (this.pending) this.flipDone();
  }

  private flipEvent(userData: bigint): Uint8Array {
    const bytes = new Uint8Array(EV.sizeof);
    const v = new DataView(bytes.buffer);
    const now = this.scheduler.now();
    v.setUint32(EV.fields.base, DRM_EVENT_FLIP_COMPLETE, true);
    v.setUint32(EV.fields.base + 4, EV.sizeof, true);
    v.setBigUint64(EV.fields.user_data, userData, true);
    v.setUint32(EV.fields.tv_sec, Math.floor(now / 1000), true);
    v.setUint32(EV.fields.tv_usec, Math.floor((now % 1000) * 1000), true);
    v.setUint32(EV.fields.sequence, this.vblanks, true);
    v.setUint32(EV.fields.crtc_id, this.crtc.id, true);
    return bytes;
  }

  private emit(buffer: ScanoutBuffer | undefined, damage: readonly Rect[], reason: ScanoutReason): void {
    this.frames.next(
      Object.freeze({
        crtcId: this.crtc.id,
        buffer,
        damage: Object.freeze(damage),
        reason,
        seq: ++this.seq,
        at: this.scheduler.now(),
      }),
    );
  }
}
