import {
  checkRect,
  copyarea,
  type FbCopyarea,
  type FbFillrect,
  type FbImage,
  FbSurface,
  fillrect,
  imageblit,
  Rect,
  rectFromXywh,
  XRGB8888,
} from '@fbemu/drm-fb-helper';
import {
  FB_DEFERRED_IO_FACTORY,
  type FbDeferredIoApi,
  type FbDeferredIoFactory,
  type FbInfo,
  type PagerefBatch,
  SCHEDULER,
} from '@fbemu/fbdev-defio';
import {
  check,
  checkCount,
  checkObject,
  checkOptional,
  isCount,
  type KernelError,
  optionsOf,
  PAGE_SIZE,
} from '@fbemu/gem-shmem';
import { inject, injectable, optional } from 'inversify';
import { type Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import { copyRows } from './blit.js';
import { SVGA_UPDATE_BYTES, SvgaFifoWriter } from './fifo-writer.js';
import { SVGA_ID_2, SvgaReg } from './svga-reg.js';
import {
  SVGA_FIFO,
  SVGA_MEMORY,
  SVGA_PORT,
  type SvgaMemory,
  type SvgaPort,
  VMW_FB_OPTIONS,
  type VmwFbOptions,
} from './tokens.js';

/** `VMW_DIRTY_DELAY = HZ/30` and the defio delay of vmwgfx, in ms (HZ = 1000). */
export const VMW_DIRTY_DELAY_MS = Math.floor(1000 / 30);
/** vmw_fb_init caps the shadow at 2048 × 2048 whatever the device allows. */
export const VMW_FB_MAX_SIDE = 2048;
const CPP = 4;

/**
 * The vmwgfx fbdev (the pre-6.2 `vmwgfx_fb.c`) on the SVGA device: a 32-bpp shadow of
 * `min(device max, 2048)²` pixels that clients map through deferred I/O and fbcon draws into,
 * a scanout buffer of the visible mode in VRAM, and one pending dirty rect.
 *
 * Paths into the dirty rect: a defio batch (full rows of the pages written, flushed at once —
 * "we've already waited once"), the fb_ops draw calls and pan_display (flushed after HZ/30 when the
 * rect was empty). The flush copies the visible part of the dirty rect from the shadow to the
 * scanout buffer and sends one SVGA_CMD_UPDATE. Fixed here, against the kernel:
 * - a defio batch is UNIONED into the dirty rect; the kernel replaced it and lost pending
 *   draw-op damage (pitfall 24), and it spans the virtual width, not xres, so a panned view
 *   still sees columns right of xres;
 * - emptiness looks at both axes (pitfall 25);
 * - the flush clips to the visible mode, not to `pan offset + mode` (pitfall 23: the kernel
 *   could copy past the scanout buffer when panned).
 */
@injectable()
export class VmwFb {
  readonly info: FbInfo;
  readonly defio: FbDeferredIoApi;
  /** par->vmalloc: what clients map and draw into (virtual size) */
  readonly shadow: FbSurface;
  /** the scanout buffer object in VRAM (visible size) */
  readonly scanout: FbSurface;
  /** device lockups (the FIFO stayed full); the pending damage is dropped, as the kernel does */
  readonly errors$: Observable<KernelError>;
  private readonly errors = new Subject<KernelError>();
  private readonly delay: number;
  /** par->dirty, in shadow coordinates */
  private dirty: Rect = Rect.EMPTY;
  private active = true;
  /** par->local_work (a pending flush) or a wait for FIFO room */
  private work: Subscription | undefined;

  constructor(
    @inject(SVGA_PORT) private readonly port: SvgaPort,
    @inject(SVGA_MEMORY) memory: SvgaMemory,
    @inject(SVGA_FIFO) private readonly fifo: SvgaFifoWriter,
    @inject(FB_DEFERRED_IO_FACTORY) defioFactory: FbDeferredIoFactory,
    @inject(SCHEDULER) private readonly scheduler: SchedulerLike,
    @inject(VMW_FB_OPTIONS) @optional() fbOptions?: VmwFbOptions,
  ) {
    checkObject(port, 'SVGA port');
    checkObject(memory, 'SVGA memory');
    check(memory.vram instanceof Uint8Array, 'EINVAL', 'SVGA memory has no VRAM bytes');
    const options = optionsOf(fbOptions, 'vmw fbdev options');
    checkOptional(options.width, (n) => isCount(n) && n > 0, 'width');
    checkOptional(options.height, (n) => isCount(n) && n > 0, 'height');
    this.delay = options.delay ?? VMW_DIRTY_DELAY_MS;
    checkCount(this.delay, 'delay');
    this.errors$ = this.errors.asObservable();
    check(this.negotiate(), 'ENODEV', 'no SVGA II device');
    const fbWidth = Math.min(port.readRegister(SvgaReg.MAX_WIDTH), VMW_FB_MAX_SIDE);
    const fbHeight = Math.min(port.readRegister(SvgaReg.MAX_HEIGHT), VMW_FB_MAX_SIDE);
    const xres = options.width ?? port.readRegister(SvgaReg.WIDTH);
    const yres = options.height ?? port.readRegister(SvgaReg.HEIGHT);
    check(xres > 0 && yres > 0 && xres <= fbWidth && yres <= fbHeight, 'EINVAL', `mode ${xres}x${yres}`);
    this.scanout = this.setMode(memory.vram, xres, yres);
    const pitch = fbWidth * CPP;
    const smemLen = pitch * fbHeight;
    const screenBuffer = new SharedArrayBuffer(Math.ceil(smemLen / PAGE_SIZE) * PAGE_SIZE);
    this.info = {
      fix: { smemLen, lineLength: pitch },
      var: {
        xres,
        yres,
        xresVirtual: fbWidth,
        yresVirtual: fbHeight,
        xoffset: 0,
        yoffset: 0,
        bitsPerPixel: 32,
      },
      screenBuffer,
    };
    this.shadow = new FbSurface(new Uint8Array(screenBuffer, 0, smemLen), fbWidth, fbHeight, pitch, XRGB8888);
    this.defio = defioFactory(this.info, {
      delay: this.delay,
      deferredIo: (batch) => this.deferredIo(batch),
    });
    fifo.init();
    port.writeRegister(SvgaReg.ENABLE, 1);
    // set_par: the whole visible area is dirty and flushed at once
    this.dirty = new Rect(0, 0, xres, yres);
    this.schedule(0);
  }

  /** The pending dirty rect (shadow coordinates). */
  get pendingDirty(): Rect {
    return this.dirty;
  }

  /**
   * `vmw_deferred_io`: the pages' full rows, `[min / pitch, max_inclusive / pitch + 1)`, across
   * the virtual width, UNIONED into the dirty rect (see the class comment), then flush now.
   */
  private deferredIo(batch: PagerefBatch): void {
    if (batch.pagerefs.length === 0) return;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const ref of batch.pagerefs) {
      min = Math.min(min, ref.offset);
      max = Math.max(max, ref.offset + ref.page.size - 1);
    }
    const pitch = this.info.fix.lineLength;
    this.dirty = this.dirty.union(
      new Rect(0, Math.floor(min / pitch), this.info.var.xresVirtual, Math.floor(max / pitch) + 1),
    );
    this.schedule(0);
  }

  /** `vmw_fb_dirty_mark`: union; only the first damage of an empty rect starts the HZ/30 timer. */
  dirtyMark(r: Rect): void {
    checkRect(r, 'dirty rect');
    if (r.isEmpty()) return;
    const wasEmpty = this.dirty.isEmpty();
    this.dirty = this.dirty.union(r);
    if (wasEmpty && this.active) this.schedule(this.delay);
  }

  /** fb_ops.fb_fillrect: drm-fb-helper draws into the shadow, the clipped rect is marked. */
  fillrect(op: FbFillrect): void {
    this.dirtyMark(fillrect(this.shadow, op));
  }

  copyarea(op: FbCopyarea): void {
    this.dirtyMark(copyarea(this.shadow, op));
  }

  imageblit(image: FbImage): void {
    this.dirtyMark(imageblit(this.shadow, image));
  }

  /** `vmw_fb_pan_display`: EINVAL (state unchanged) unless the view stays inside the shadow. */
  panDisplay(xoffset: number, yoffset: number): void {
    const v = this.info.var;
    checkCount(xoffset, 'xoffset');
    checkCount(yoffset, 'yoffset');
    check(
      xoffset + v.xres <= v.xresVirtual && yoffset + v.yres <= v.yresVirtual,
      'EINVAL',
      `pan to ${xoffset},${yoffset}`,
    );
    v.xoffset = xoffset;
    v.yoffset = yoffset;
    this.dirtyMark(rectFromXywh(xoffset, yoffset, v.xres, v.yres));
  }

  /** `vmw_fb_off`: stop flushing (suspend, master switch); damage keeps accumulating. */
  off(): void {
    this.active = false;
    this.defio.fsync();
    this.cancel();
  }

  /** `vmw_fb_on`: flush what accumulated meanwhile, now. */
  on(): void {
    this.active = true;
    if (!this.dirty.isEmpty()) this.schedule(0);
  }

  /**
   * `vmw_fb_dirty_flush`: copy the visible part of the dirty rect shadow → scanout and announce
   * it with SVGA_CMD_UPDATE. When the FIFO stays full the damage goes back and the flush waits
   * for room (HZ/30 polls, 3 s lockup timeout).
   */
  flush(): void {
    this.cancel();
    if (!this.active) return;
    const { xoffset, yoffset, xres, yres } = this.info.var;
    const clip = this.dirty.translate(-xoffset, -yoffset).clipTo(xres, yres);
    this.dirty = Rect.EMPTY;
    if (clip.isEmpty()) return;
    const src = this.shadow.offsetOf(clip.x1 + xoffset, clip.y1 + yoffset);
    const dst = this.scanout.offsetOf(clip.x1, clip.y1);
    copyRows(
      this.shadow.bytes,
      src,
      this.shadow.pitch,
      this.scanout.bytes,
      dst,
      this.scanout.pitch,
      clip.width * CPP,
      clip.height,
    );
    if (this.fifo.update(clip.x1, clip.y1, clip.width, clip.height)) return;
    this.dirty = this.dirty.union(clip.translate(xoffset, yoffset));
    this.work = this.fifo.waitForSpace(SVGA_UPDATE_BYTES).subscribe({
      complete: () => this.flush(),
      error: (e: KernelError) => {
        this.work = undefined;
        this.dirty = Rect.EMPTY;
        this.errors.next(e);
      },
    });
  }

  /** Release: the last defio batch is flushed through, then no more work runs. */
  close(): void {
    this.defio.cleanup();
    if (this.work !== undefined) this.flush();
    this.cancel();
    this.active = false;
  }

  /** (Re)arms local_work to run after `delay` (cancel + schedule, as the kernel does). */
  private schedule(delay: number): void {
    this.cancel();
    this.work = this.scheduler.schedule(() => {
      this.work = undefined;
      this.flush();
    }, delay);
  }

  private cancel(): void {
    this.work?.unsubscribe();
    this.work = undefined;
  }

  /** ID negotiation: the newest version the device accepts, as vmw_driver_load does. */
  private negotiate(): boolean {
    this.port.writeRegister(SvgaReg.ID, SVGA_ID_2);
    return this.port.readRegister(SvgaReg.ID) === SVGA_ID_2;
  }

  /** The LDU mode: WIDTH, HEIGHT, 32 bpp; the scanout buffer sits at FB_OFFSET in VRAM. */
  private setMode(vram: Uint8Array, xres: number, yres: number): FbSurface {
    const p = this.port;
    p.writeRegister(SvgaReg.WIDTH, xres);
    p.writeRegister(SvgaReg.HEIGHT, yres);
    p.writeRegister(SvgaReg.BITS_PER_PIXEL, 32);
    const ok = p.readRegister(SvgaReg.WIDTH) === xres && p.readRegister(SvgaReg.HEIGHT) === yres;
    check(ok, 'EINVAL', `the device refused mode ${xres}x${yres}`);
    const offset = p.readRegister(SvgaReg.FB_OFFSET);
    const pitch = p.readRegister(SvgaReg.BYTES_PER_LINE);
    check(
      pitch >= xres * CPP && offset + pitch * yres <= vram.length,
      'ENOMEM',
      'VRAM cannot hold the scanout buffer',
    );
    return new FbSurface(vram.subarray(offset, offset + pitch * yres), xres, yres, pitch, XRGB8888);
  }
}
