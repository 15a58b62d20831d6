import type { Rect } from '@fbemu/drm-fb-helper';
import type { Observable } from 'rxjs';

/**
 * The device's register file as the guest reaches it (`vmw_read`/`vmw_write`: an index written to
 * the INDEX port, then a 32-bit access to the VALUE port). Values are unsigned 32-bit.
 */
export interface SvgaPort {
  readRegister(index: number): number;
  writeRegister(index: number, value: number): void;
}

/** The memory a guest shares with the device: BAR2 (the FIFO) and BAR1 (VRAM, the scanout). */
export interface SvgaMemory {
  /** FIFO memory as little-endian words; registers first, then the command ring */
  readonly fifo: Uint32Array;
  /** VRAM; the guest framebuffer lives at `SVGA_REG_FB_OFFSET` with `SVGA_REG_BYTES_PER_LINE` */
  readonly vram: Uint8Array;
}

/** The host's display surface (what QEMU hands its UI): packed 32 bpp, `pitch = width × 4`. */
export interface HostSurface {
  readonly width: number;
  readonly height: number;
  readonly pitch: number;
  readonly bytes: Uint8Array;
}

export interface SvgaHostOptions {
  /** FIFO memory size in bytes (QEMU: 64 KiB); ignored when `fifo` is given */
  fifoBytes?: number;
  /** VRAM size in bytes (QEMU default: 16 MiB); ignored when `vram` is given */
  vramBytes?: number;
  /** largest mode the host accepts (QEMU: 2360 × 1770) */
  maxWidth?: number;
  maxHeight?: number;
  /** power-on mode */
  width?: number;
  height?: number;
  /** memory provided by the embedder (e.g. guarded arrays in tests); allocated when absent */
  fifo?: Uint32Array;
  vram?: Uint8Array;
}

/** The SVGA II device model: a register file, FIFO consumption and a host surface. */
export interface SvgaHostApi extends SvgaPort {
  readonly memory: SvgaMemory;
  /** the current surface; replaced (new object) on a mode change */
  readonly surface: HostSurface;
  /** every host-side rect copied from VRAM to the surface, after the copy */
  readonly updates$: Observable<Rect>;
  /** the display refresh tick: consume the FIFO (if enabled and configured) and redraw */
  refresh(): void;
  /** power-on reset of the registers (memory is left as it is, like a device reset) */
  reset(): void;
}

/** The SVGA host device model (`SvgaHostApi`). */
export const SVGA_HOST: unique symbol = Symbol.for('fbemu.vmwgfx.SvgaHost');
/** Optional `SvgaHostOptions` for the bound host. */
export const SVGA_HOST_OPTIONS: unique symbol = Symbol.for('fbemu.vmwgfx.SvgaHostOptions');
/** The guest's register access (`SvgaPort`); bound to the host model by default. */
export const SVGA_PORT: unique symbol = Symbol.for('fbemu.vmwgfx.SvgaPort');
/** The guest's view of BAR1/BAR2 (`SvgaMemory`); bound to the host model's memory by default. */
export const SVGA_MEMORY: unique symbol = Symbol.for('fbemu.vmwgfx.SvgaMemory');

/** Guest FIFO back-pressure tuning. */
export interface SvgaFifoOptions {
  /** poll period while waiting for room, ms (default 10) */
  pollMs?: number;
  /** give up after this long without room, ms (default 3000, the kernel's lockup timeout) */
  timeoutMs?: number;
}

/** The guest's FIFO writer (`SvgaFifoWriter`). */
export const SVGA_FIFO: unique symbol = Symbol.for('fbemu.vmwgfx.SvgaFifo');
/** Optional `SvgaFifoOptions`. */
export const SVGA_FIFO_OPTIONS: unique symbol = Symbol.for('fbemu.vmwgfx.SvgaFifoOptions');

/** vmw fbdev setup. */
export interface VmwFbOptions {
  /** visible mode; absent → the device's current WIDTH/HEIGHT */
  width?: number;
  height?: number;
  /** defio delay and draw-op flush delay in ms (default HZ/30 = 33) */
  delay?: number;
}

/** The vmw fbdev (`VmwFb`). */
export const VMW_FB: unique symbol = Symbol.for('fbemu.vmwgfx.VmwFb');
/** Optional `VmwFbOptions`. */
export const VMW_FB_OPTIONS: unique symbol = Symbol.for('fbemu.vmwgfx.VmwFbOptions');
