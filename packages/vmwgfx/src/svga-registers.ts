import { check, isCount } from '@fbemu/gem-shmem';
import { SVGA_ID_0, SVGA_ID_2, SVGA_REG_ENABLE_ENABLE, SvgaCap, SvgaReg } from './svga-reg.js';

/** Fixed properties of one device. */
export interface SvgaDeviceLimits {
  vramBytes: number;
  fifoBytes: number;
  maxWidth: number;
  maxHeight: number;
  /** power-on mode */
  width: number;
  height: number;
}

/** What register writes set in motion outside the register file. */
export interface SvgaRegisterHooks {
  /** SVGA_REG_SYNC written: process the FIFO now */
  sync(): void;
  /** the mode or the enable state changed: a full redraw is due */
  modeChanged(): void;
}

/** The only depth this device does (QEMU rejects any other BITS_PER_PIXEL). */
const BPP = 32;
const DEPTH = 24;

/**
 * The SVGA II register file of the host model: ID negotiation, ENABLE, the mode (WIDTH, HEIGHT,
 * BITS_PER_PIXEL, BYTES_PER_LINE), the framebuffer and FIFO geometry, CONFIG_DONE and SYNC/BUSY.
 * Guest values are untrusted: a write that would make a mode VRAM cannot hold, or one outside the
 * limits, is ignored (QEMU ignores oversized modes with a message); an unknown register reads 0
 * and ignores writes. Nothing here throws on guest input.
 */
export class SvgaRegisterFile {
  id = SVGA_ID_2;
  /** SVGA_REG_ENABLE bits (enable, hide) */
  enable = 0;
  width: number;
  height: number;
  /** SVGA_REG_CONFIG_DONE: the guest finished setting up the FIFO */
  config = false;
  /** set while a SYNC runs; what SYNC and BUSY read */
  syncing = false;
  guestId = 0;
  /** the framebuffer starts at VRAM byte 0 (FB_OFFSET is read-only here, as in QEMU) */
  readonly fbOffset = 0;

  constructor(
    readonly limits: SvgaDeviceLimits,
    private readonly hooks: SvgaRegisterHooks,
  ) {
    check(
      this.modeFits(limits.width, limits.height),
      'EINVAL',
      `power-on mode ${limits.width}x${limits.height} does not fit`,
    );
    this.width = limits.width;
    this.height = limits.height;
  }

  /** The FIFO is consumed only while the device is enabled and configured. */
  get fifoRunning(): boolean {
    return (this.enable & SVGA_REG_ENABLE_ENABLE) !== 0 && this.config;
  }

  get bytesPerLine(): number {
    return (this.width * BPP) / 8;
  }

  reset(): void {
    this.id = SVGA_ID_2;
    this.enable = 0;
    this.width = this.limits.width;
    this.height = this.limits.height;
    this.config = false;
    this.syncing = false;
    this.guestId = 0;
  }

  read(index: number): number {
    switch (index) {
      case SvgaReg.ID:
        return this.id;
      case SvgaReg.ENABLE:
        return this.enable;
      case SvgaReg.WIDTH:
        return this.width;
      case SvgaReg.HEIGHT:
        return this.height;
      case SvgaReg.MAX_WIDTH:
        return this.limits.maxWidth;
      case SvgaReg.MAX_HEIGHT:
        return this.limits.maxHeight;
      case SvgaReg.DEPTH:
        return DEPTH;
      case SvgaReg.BITS_PER_PIXEL:
      case SvgaReg.HOST_BITS_PER_PIXEL:
        return BPP;
      case SvgaReg.RED_MASK:
        return 0xff0000;
      case SvgaReg.GREEN_MASK:
        return 0xff00;
      case SvgaReg.BLUE_MASK:
        return 0xff;
      case SvgaReg.BYTES_PER_LINE:
        return this.bytesPerLine;
      case SvgaReg.FB_OFFSET:
        return this.fbOffset;
      case SvgaReg.VRAM_SIZE:
      case SvgaReg.FB_SIZE:
        return this.limits.vramBytes;
      case SvgaReg.CAPABILITIES:
        return SvgaCap.NONE;
      case SvgaReg.MEM_SIZE:
        return this.limits.fifoBytes;
      case SvgaReg.CONFIG_DONE:
        return this.config ? 1 : 0;
      case SvgaReg.SYNC:
      case SvgaReg.BUSY:
        return this.syncing ? 1 : 0;
      case SvgaReg.GUEST_ID:
        return this.guestId;
      case SvgaReg.NUM_DISPLAYS:
        return 1;
      default:
        // FB_START / MEM_START (no physical addresses in this model), PSEUDOCOLOR, unknown: 0
        return 0;
    }
  }

  write(index: number, value: number): void {
    const v = value >>> 0;
    switch (index) {
      case SvgaReg.ID:
        // negotiation: a version this device speaks is taken, anything else leaves ID unchanged
        if (v >= SVGA_ID_0 && v <= SVGA_ID_2) this.id = v;
        return;
      case SvgaReg.ENABLE:
        this.setEnable(v & 3);
        return;
      case SvgaReg.WIDTH:
        this.setMode(v, this.height);
        return;
      case SvgaReg.HEIGHT:
        this.setMode(this.width, v);
        return;
      case SvgaReg.BITS_PER_PIXEL:
        if (v !== BPP) this.config = false;
        return;
      case SvgaReg.CONFIG_DONE:
        this.config = v !== 0;
        return;
      case SvgaReg.SYNC:
        this.sync();
        return;
      case SvgaReg.GUEST_ID:
        this.guestId = v;
        return;
    }
  }

  private sync(): void {
    if (this.syncing) return;
    this.syncing = true;
    this.hooks.sync();
    this.syncing = false;
  }

  private setEnable(bits: number): void {
    if (bits === this.enable) return;
    this.enable = bits;
    this.hooks.modeChanged();
  }

  private setMode(width: number, height: number): void {
    if (!this.modeFits(width, height) || (width === this.width && height === this.height)) return;
    this.width = width;
    this.height = height;
    this.hooks.modeChanged();
  }

  private modeFits(width: number, height: number): boolean {
    const { maxWidth, maxHeight, vramBytes } = this.limits;
    if (!isCount(width) || !isCount(height) || width === 0 || height === 0) return false;
    return (
      width <= maxWidth && height <= maxHeight && this.fbOffset + width * height * (BPP / 8) <= vramBytes
    );
  }
}
