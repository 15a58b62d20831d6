import type { UserMemory } from '@fbemu/chrdev';
import { check } from '@fbemu/gem-shmem';
import type { UserCmap, VarScreeninfo } from './uapi.js';

/** fb_info.cmap of the DRM fbdev: `fb_alloc_cmap(&info->cmap, 256, 0)` (no transp channel). */
export const CMAP_LEN = 256;
/** drm_fb_helper.pseudo_palette: 16 entries (the console colours) */
export const PSEUDO_PALETTE_LEN = 16;
/** KMALLOC_MAX_SIZE on x86-64 (4 MiB): a larger colour array cannot be allocated (ENOMEM) */
const KMALLOC_MAX_SIZE = 4 << 20;

/**
 * The 16 console colours `fb_default_cmap` starts a map with (the EGA palette): bit 0 blue,
 * bit 1 green, bit 2 red at 0xaaaa, bit 3 adds 0x5555; colour 6 is brown (half green).
 */
function defaultChannel(i: number, bit: number): number {
  const on = (i & bit) !== 0 ? 0xaaaa : 0;
  const brown = i === 6 && bit === 2 ? 0x5555 : on;
  return brown + (i & 8 ? 0x5555 : 0);
}

/**
 * The colour map state of one framebuffer: `info->cmap` (what FBIOGETCMAP reads back) and the
 * truecolor pseudo palette that `drm_fb_helper_setcmap` fills (`setcmap_pseudo_palette`).
 */
export class FbCmap {
  readonly red = new Uint16Array(CMAP_LEN);
  readonly green = new Uint16Array(CMAP_LEN);
  readonly blue = new Uint16Array(CMAP_LEN);
  /** pseudo_palette: raw pixel values of the first 16 colours (fbcon's text colours) */
  readonly pseudoPalette = new Uint32Array(PSEUDO_PALETTE_LEN);

  constructor() {
    for (let i = 0; i < 16; i++) {
      this.red[i] = defaultChannel(i, 4);
      this.green[i] = defaultChannel(i, 2);
      this.blue[i] = defaultChannel(i, 1);
    }
  }

  /**
   * FBIOPUTCMAP (`fb_set_user_cmap` → `drm_fb_helper_setcmap`, truecolor): E2BIG when len·2
   * overflows an int, EINVAL for len 0, ENOMEM past kmalloc's limit, EFAULT on a bad array,
   * EINVAL for start ≥ 2^31 or start + len > 16, then the driver's own refusal (`driverCheck`:
   * EBUSY while a DRM master holds the device). Nothing changes on error.
   */
  putUser(cmap: UserCmap, mem: UserMemory, v: VarScreeninfo, driverCheck: () => void = () => {}): void {
    const { start, len } = cmap;
    check(len < 2 ** 30, 'E2BIG', `cmap len ${len}`);
    check(len > 0, 'EINVAL', 'cmap len 0');
    check(len * 2 <= KMALLOC_MAX_SIZE, 'ENOMEM', `cannot allocate a cmap of ${len} entries`);
    const red = words(mem.read(cmap.red, len * 2));
    const green = words(mem.read(cmap.green, len * 2));
    const blue = words(mem.read(cmap.blue, len * 2));
    if (cmap.transp !== 0) mem.read(cmap.transp, len * 2); // copied and dropped: info->cmap has no transp
    check(start < 2 ** 31, 'EINVAL', `cmap start ${start}`);
    check(start + len <= PSEUDO_PALETTE_LEN, 'EINVAL', 'truecolor pseudo palette has 16 entries');
    driverCheck();
    for (let i = 0; i < len; i++) {
      this.pseudoPalette[start + i] = pseudoColor(red[i], green[i], blue[i], v);
      this.red[start + i] = red[i];
      this.green[start + i] = green[i];
      this.blue[start + i] = blue[i];
    }
  }

  /**
   * FBIOGETCMAP (`fb_cmap_to_user`): copies the overlap of the user's [start, start+len) with
   * the map to the user's arrays; EINVAL when they do not overlap, EFAULT on a bad array (the
   * channels before it are already written, as in the kernel).
   */
  getUser(cmap: UserCmap, mem: UserMemory): void {
    const from = cmap.start;
    check(from < CMAP_LEN && cmap.len > 0, 'EINVAL', `cmap [${from}, +${cmap.len}) outside the map`);
    const count = Math.min(cmap.len, CMAP_LEN - from);
    mem.write(cmap.red, bytesOf(this.red, from, count));
    mem.write(cmap.green, bytesOf(this.green, from, count));
    mem.write(cmap.blue, bytesOf(this.blue, from, count));
  }
}

/** `setcmap_pseudo_palette`: 16-bit channels cut to the var's lengths, alpha all ones. */
function pseudoColor(r: number, g: number, b: number, v: VarScreeninfo): number {
  let value =
    ((r >> (16 - v.red.length)) << v.red.offset) |
    ((g >> (16 - v.green.length)) << v.green.offset) |
    ((b >> (16 - v.blue.length)) << v.blue.offset);
  if (v.transp.length > 0) value |= ((1 << v.transp.length) - 1) << v.transp.offset;
  return value >>> 0;
}

function words(bytes: Uint8Array): Uint16Array {
  const out = new Uint16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
  return out;
}

function bytesOf(channel: Uint16Array, from: number, count: number): Uint8Array {
  const out = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) {
    out[2 * i] = channel[from + i] & 0xff;
    out[2 * i + 1] = channel[from + i] >> 8;
  }
  return out;
}
