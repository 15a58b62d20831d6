/**
 * The facts of VMware's `svga_reg.h` that a display needs (kernel-semantics.md §4.7), written
 * out as numbers. Register and FIFO indices are word indices; FIFO pointers are byte offsets.
 */

/** I/O port offsets from BAR0: write a register index to INDEX, then read/write VALUE. */
export const SVGA_INDEX_PORT = 0;
export const SVGA_VALUE_PORT = 1;

/** `SVGA_MAKE_ID(v)`: the magic 0x900000 in the top 24 bits, the version in the low byte. */
export function svgaMakeId(version: number): number {
  return ((0x900000 << 8) | version) >>> 0;
}
export const SVGA_ID_0 = svgaMakeId(0);
export const SVGA_ID_1 = svgaMakeId(1);
export const SVGA_ID_2 = svgaMakeId(2);
export const SVGA_ID_INVALID = 0xffffffff;

/** `SVGA_REG_*`: the device registers (indices of the register file). */
export const SvgaReg = {
  ID: 0,
  ENABLE: 1,
  WIDTH: 2,
  HEIGHT: 3,
  MAX_WIDTH: 4,
  MAX_HEIGHT: 5,
  DEPTH: 6,
  BITS_PER_PIXEL: 7,
  PSEUDOCOLOR: 8,
  RED_MASK: 9,
  GREEN_MASK: 10,
  BLUE_MASK: 11,
  BYTES_PER_LINE: 12,
  FB_START: 13,
  FB_OFFSET: 14,
  VRAM_SIZE: 15,
  FB_SIZE: 16,
  CAPABILITIES: 17,
  MEM_START: 18,
  MEM_SIZE: 19,
  CONFIG_DONE: 20,
  SYNC: 21,
  BUSY: 22,
  GUEST_ID: 23,
  HOST_BITS_PER_PIXEL: 28,
  SCRATCH_SIZE: 29,
  MEM_REGS: 30,
  NUM_DISPLAYS: 31,
  PITCHLOCK: 32,
  IRQMASK: 33,
  TRACES: 45,
} as const;

/** `SVGA_REG_ENABLE` bits. */
export const SVGA_REG_ENABLE_ENABLE = 1;
/** set by the guest while it owns the FIFO but does not want the SVGA mode shown (vmw_fifo_init) */
export const SVGA_REG_ENABLE_HIDE = 2;

/** `SVGA_CAP_*` bits of `SVGA_REG_CAPABILITIES`. */
export const SvgaCap = {
  NONE: 0,
  RECT_COPY: 0x2,
  CURSOR: 0x20,
  CURSOR_BYPASS: 0x40,
  CURSOR_BYPASS_2: 0x80,
  EIGHT_BIT_EMULATION: 0x100,
  ALPHA_CURSOR: 0x200,
  EXTENDED_FIFO: 0x8000,
  PITCHLOCK: 0x20000,
  IRQMASK: 0x40000,
} as const;

/** `SVGA_FIFO_*`: word indices of the FIFO registers at the start of FIFO memory. */
export const SvgaFifo = {
  /** byte offset of the first ring byte */
  MIN: 0,
  /** byte offset one past the last ring byte */
  MAX: 1,
  /** byte offset where the guest writes the next command */
  NEXT_CMD: 2,
  /** byte offset where the host reads the next command */
  STOP: 3,
  /** the registers below exist only with SVGA_CAP_EXTENDED_FIFO */
  CAPABILITIES: 4,
  FLAGS: 5,
  FENCE: 6,
  RESERVED: 14,
  BUSY: 290,
  /** number of FIFO registers of the extended FIFO (SVGA_FIFO_NUM_REGS) */
  NUM_REGS: 291,
} as const;

/** Registers always present: MIN, MAX, NEXT_CMD, STOP. */
export const SVGA_FIFO_BASE_REGS = 4;
/** "the distance from MIN to MAX must be at least 10K" */
export const SVGA_FIFO_MIN_RING_BYTES = 10 * 1024;

/** `SVGA_CMD_*` command ids (legacy numbering, as an SVGA II host sees them). */
export const SvgaCmd = {
  INVALID_CMD: 0,
  UPDATE: 1,
  RECT_FILL: 2,
  RECT_COPY: 3,
  RECT_ROP_FILL: 13,
  RECT_ROP_COPY: 14,
  DEFINE_CURSOR: 19,
  DEFINE_ALPHA_CURSOR: 22,
  UPDATE_VERBOSE: 25,
  SURFACE_FILL: 26,
  SURFACE_COPY: 27,
  SURFACE_ALPHA_BLEND: 28,
  FRONT_ROP_FILL: 29,
  FENCE: 30,
  NOP: 45,
} as const;

/** Words of `SVGA_CMD_UPDATE`: the id, then `SVGAFifoCmdUpdate {x, y, width, height}`. */
export const SVGA_CMD_UPDATE_WORDS = 5;
/** Words of `SVGA_CMD_UPDATE_VERBOSE`: the id, `{x, y, width, height, reason}`. */
export const SVGA_CMD_UPDATE_VERBOSE_WORDS = 6;
/** Words of `SVGA_CMD_FENCE`: the id and the fence value. */
export const SVGA_CMD_FENCE_WORDS = 2;

/** `SVGA_SYNC_*` reasons written to `SVGA_REG_SYNC`. */
export const SVGA_SYNC_GENERIC = 1;
export const SVGA_SYNC_FIFOFULL = 2;

/** Largest cursor QEMU accepts in DEFINE_CURSOR (pixels per side), and its bpp limit. */
export const SVGA_MAX_CURSOR_SIDE = 256;
export const SVGA_MAX_CURSOR_BPP = 32;
/** Word limits of a DEFINE_CURSOR's AND mask and XOR image. */
export const SVGA_MAX_CURSOR_MASK_WORDS = 1024;
export const SVGA_MAX_CURSOR_IMAGE_WORDS = 4096;
