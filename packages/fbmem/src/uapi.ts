/**
 * `include/uapi/linux/fb.h` on x86-64: ioctl numbers, flag values and the byte layouts of the
 * structs user space passes (fb_var_screeninfo 160 bytes, fb_fix_screeninfo 80, fb_cmap 40,
 * fb_con2fbmap 8). All little-endian. Offsets are checked against the C header by
 * `uapi.test.ts`, which compiles a C program that fills the structs.
 */

export const FBIOGET_VSCREENINFO = 0x4600;
export const FBIOPUT_VSCREENINFO = 0x4601;
export const FBIOGET_FSCREENINFO = 0x4602;
export const FBIOGETCMAP = 0x4604;
export const FBIOPUTCMAP = 0x4605;
export const FBIOPAN_DISPLAY = 0x4606;
/** _IOWR('F', 0x08, struct fb_cursor): answered EINVAL by the core */
export const FBIO_CURSOR = 0xc0684608;
export const FBIOGET_CON2FBMAP = 0x460f;
export const FBIOPUT_CON2FBMAP = 0x4610;
export const FBIOBLANK = 0x4611;
/** _IOW('F', 0x20, __u32): drm_fb_helper_ioctl waits one vblank */
export const FBIO_WAITFORVSYNC = 0x40044620;

export const FB_ACTIVATE_NOW = 0;
export const FB_ACTIVATE_NXTOPEN = 1;
export const FB_ACTIVATE_TEST = 2;
export const FB_ACTIVATE_MASK = 15;
export const FB_ACTIVATE_VBL = 16;
export const FB_ACTIVATE_ALL = 64;
export const FB_ACTIVATE_FORCE = 128;
export const FB_ACTIVATE_INV_MODE = 256;
/** kernel-internal; FBIOPUT_VSCREENINFO clears it from user requests */
export const FB_ACTIVATE_KD_TEXT = 512;

export const FB_VMODE_YWRAP = 256;
export const FB_TYPE_PACKED_PIXELS = 0;
export const FB_VISUAL_TRUECOLOR = 2;
export const FB_ACCEL_NONE = 0;

export const FB_BLANK_UNBLANK = 0;
export const FB_BLANK_NORMAL = 1;
export const FB_BLANK_VSYNC_SUSPEND = 2;
export const FB_BLANK_HSYNC_SUSPEND = 3;
export const FB_BLANK_POWERDOWN = 4;

/** FB_MAX: framebuffer minors */
export const FB_MAX = 32;
/** FB_MAJOR */
export const FB_MAJOR = 29;
/** MAX_NR_CONSOLES (include/uapi/linux/vt.h) */
export const MAX_NR_CONSOLES = 63;

export const VAR_SCREENINFO_SIZE = 160;
export const FIX_SCREENINFO_SIZE = 80;
export const CMAP_SIZE = 40;
export const CON2FBMAP_SIZE = 8;

/** struct fb_bitfield */
export interface FbBitfield {
  offset: number;
  length: number;
  msbRight: number;
}

/** struct fb_var_screeninfo (every field a __u32) */
export interface VarScreeninfo {
  xres: number;
  yres: number;
  xresVirtual: number;
  yresVirtual: number;
  xoffset: number;
  yoffset: number;
  bitsPerPixel: number;
  grayscale: number;
  red: FbBitfield;
  green: FbBitfield;
  blue: FbBitfield;
  transp: FbBitfield;
  nonstd: number;
  activate: number;
  /** height of the picture in mm */
  height: number;
  width: number;
  accelFlags: number;
  pixclock: number;
  leftMargin: number;
  rightMargin: number;
  upperMargin: number;
  lowerMargin: number;
  hsyncLen: number;
  vsyncLen: number;
  sync: number;
  vmode: number;
  rotate: number;
  colorspace: number;
  reserved: [number, number, number, number];
}

type VarScalar = Exclude<keyof VarScreeninfo, 'red' | 'green' | 'blue' | 'transp' | 'reserved'>;
type VarBitfield = 'red' | 'green' | 'blue' | 'transp';

/** u32 fields of fb_var_screeninfo by byte offset */
const VAR_SCALARS: readonly (readonly [VarScalar, number])[] = [
  ['xres', 0],
  ['yres', 4],
  ['xresVirtual', 8],
  ['yresVirtual', 12],
  ['xoffset', 16],
  ['yoffset', 20],
  ['bitsPerPixel', 24],
  ['grayscale', 28],
  ['nonstd', 80],
  ['activate', 84],
  ['height', 88],
  ['width', 92],
  ['accelFlags', 96],
  ['pixclock', 100],
  ['leftMargin', 104],
  ['rightMargin', 108],
  ['upperMargin', 112],
  ['lowerMargin', 116],
  ['hsyncLen', 120],
  ['vsyncLen', 124],
  ['sync', 128],
  ['vmode', 132],
  ['rotate', 136],
  ['colorspace', 140],
];
const VAR_BITFIELDS: readonly (readonly [VarBitfield, number])[] = [
  ['red', 32],
  ['green', 44],
  ['blue', 56],
  ['transp', 68],
];
const VAR_RESERVED = 144;

export function bitfield(offset = 0, length = 0, msbRight = 0): FbBitfield {
  return { offset, length, msbRight };
}

/** An all-zero fb_var_screeninfo. */
export function emptyVar(): VarScreeninfo {
  return decodeVar(new Uint8Array(VAR_SCREENINFO_SIZE));
}

export function cloneVar(v: VarScreeninfo): VarScreeninfo {
  return decodeVar(encodeVar(v));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeVar(bytes: Uint8Array): VarScreeninfo {
  const dv = view(bytes);
  const v = {} as Record<string, unknown>;
  for (const [key, at] of VAR_SCALARS) v[key] = dv.getUint32(at, true);
  for (const [key, at] of VAR_BITFIELDS) {
    v[key] = bitfield(dv.getUint32(at, true), dv.getUint32(at + 4, true), dv.getUint32(at + 8, true));
  }
  v.reserved = [0, 1, 2, 3].map((i) => dv.getUint32(VAR_RESERVED + 4 * i, true));
  return v as unknown as VarScreeninfo;
}

/** Values are stored modulo 2^32, as a C assignment to a __u32 would. */
export function encodeVar(v: VarScreeninfo): Uint8Array {
  const bytes = new Uint8Array(VAR_SCREENINFO_SIZE);
  const dv = view(bytes);
  for (const [key, at] of VAR_SCALARS) dv.setUint32(at, v[key] >>> 0, true);
  for (const [key, at] of VAR_BITFIELDS) {
    dv.setUint32(at, v[key].offset >>> 0, true);
    dv.setUint32(at + 4, v[key].length >>> 0, true);
    dv.setUint32(at + 8, v[key].msbRight >>> 0, true);
  }
  for (let i = 0; i < 4; i++) dv.setUint32(VAR_RESERVED + 4 * i, v.reserved[i] >>> 0, true);
  return bytes;
}

/** memcmp of two fb_var_screeninfo */
export function varEquals(a: VarScreeninfo, b: VarScreeninfo): boolean {
  const x = encodeVar(a);
  const y = encodeVar(b);
  return x.every((byte, i) => byte === y[i]);
}

/** struct fb_fix_screeninfo */
export interface FixScreeninfo {
  /** id[16]: NUL-padded ASCII, at most 15 characters kept */
  id: string;
  smemStart: number;
  smemLen: number;
  type: number;
  typeAux: number;
  visual: number;
  xpanstep: number;
  ypanstep: number;
  ywrapstep: number;
  lineLength: number;
  mmioStart: number;
  mmioLen: number;
  accel: number;
  capabilities: number;
  reserved: [number, number];
}

export function encodeFix(f: FixScreeninfo): Uint8Array {
  const bytes = new Uint8Array(FIX_SCREENINFO_SIZE);
  const dv = view(bytes);
  const id = new TextEncoder().encode(f.id).subarray(0, 15);
  bytes.set(id, 0);
  dv.setBigUint64(16, BigInt(f.smemStart), true);
  dv.setUint32(24, f.smemLen, true);
  dv.setUint32(28, f.type, true);
  dv.setUint32(32, f.typeAux, true);
  dv.setUint32(36, f.visual, true);
  dv.setUint16(40, f.xpanstep, true);
  dv.setUint16(42, f.ypanstep, true);
  dv.setUint16(44, f.ywrapstep, true);
  dv.setUint32(48, f.lineLength, true);
  dv.setBigUint64(56, BigInt(f.mmioStart), true);
  dv.setUint32(64, f.mmioLen, true);
  dv.setUint32(68, f.accel, true);
  dv.setUint16(72, f.capabilities, true);
  dv.setUint16(74, f.reserved[0], true);
  dv.setUint16(76, f.reserved[1], true);
  return bytes;
}

/** struct fb_cmap as user space passes it: start, len and four user pointers (transp may be 0). */
export interface UserCmap {
  start: number;
  len: number;
  red: number;
  green: number;
  blue: number;
  transp: number;
}

/** Pointers above 2^53 cannot be user addresses on x86-64 (< 2^47); they stay unreadable. */
function pointer(dv: DataView, at: number): number {
  const p = dv.getBigUint64(at, true);
  return p > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(p);
}

export function decodeCmap(bytes: Uint8Array): UserCmap {
  const dv = view(bytes);
  return {
    start: dv.getUint32(0, true),
    len: dv.getUint32(4, true),
    red: pointer(dv, 8),
    green: pointer(dv, 16),
    blue: pointer(dv, 24),
    transp: pointer(dv, 32),
  };
}

export function encodeCmap(c: UserCmap): Uint8Array {
  const bytes = new Uint8Array(CMAP_SIZE);
  const dv = view(bytes);
  dv.setUint32(0, c.start, true);
  dv.setUint32(4, c.len, true);
  dv.setBigUint64(8, BigInt(c.red), true);
  dv.setBigUint64(16, BigInt(c.green), true);
  dv.setBigUint64(24, BigInt(c.blue), true);
  dv.setBigUint64(32, BigInt(c.transp), true);
  return bytes;
}

/** struct fb_con2fbmap */
export interface Con2FbMap {
  console: number;
  framebuffer: number;
}

export function decodeCon2Fb(bytes: Uint8Array): Con2FbMap {
  const dv = view(bytes);
  return { console: dv.getUint32(0, true), framebuffer: dv.getUint32(4, true) };
}

export function encodeCon2Fb(m: Con2FbMap): Uint8Array {
  const bytes = new Uint8Array(CON2FBMAP_SIZE);
  const dv = view(bytes);
  dv.setUint32(0, m.console, true);
  dv.setUint32(4, m.framebuffer, true);
  return bytes;
}
