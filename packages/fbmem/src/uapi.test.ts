import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  CMAP_SIZE,
  CON2FBMAP_SIZE,
  decodeCmap,
  decodeCon2Fb,
  decodeVar,
  emptyVar,
  encodeCmap,
  encodeCon2Fb,
  encodeFix,
  encodeVar,
  FBIO_CURSOR,
  FIX_SCREENINFO_SIZE,
  type FixScreeninfo,
  VAR_SCREENINFO_SIZE,
  type VarScreeninfo,
} from './uapi.js';

// C member → setter of the same member in the TS shape; values are distinct per field
const VAR_FIELDS: [string, (v: VarScreeninfo, n: number) => void][] = [
  ['xres', (v, n) => (v.xres = n)],
  ['yres', (v, n) => (v.yres = n)],
  ['xres_virtual', (v, n) => (v.xresVirtual = n)],
  ['yres_virtual', (v, n) => (v.yresVirtual = n)],
  ['xoffset', (v, n) => (v.xoffset = n)],
  ['yoffset', (v, n) => (v.yoffset = n)],
  ['bits_per_pixel', (v, n) => (v.bitsPerPixel = n)],
  ['grayscale', (v, n) => (v.grayscale = n)],
  ['red.offset', (v, n) => (v.red.offset = n)],
  ['red.length', (v, n) => (v.red.length = n)],
  ['red.msb_right', (v, n) => (v.red.msbRight = n)],
  ['green.offset', (v, n) => (v.green.offset = n)],
  ['green.length', (v, n) => (v.green.length = n)],
  ['green.msb_right', (v, n) => (v.green.msbRight = n)],
  ['blue.offset', (v, n) => (v.blue.offset = n)],
  ['blue.length', (v, n) => (v.blue.length = n)],
  ['blue.msb_right', (v, n) => (v.blue.msbRight = n)],
  ['transp.offset', (v, n) => (v.transp.offset = n)],
  ['transp.length', (v, n) => (v.transp.length = n)],
  ['transp.msb_right', (v, n) => (v.transp.msbRight = n)],
  ['nonstd', (v, n) => (v.nonstd = n)],
  ['activate', (v, n) => (v.activate = n)],
  ['height', (v, n) => (v.height = n)],
  ['width', (v, n) => (v.width = n)],
  ['accel_flags', (v, n) => (v.accelFlags = n)],
  ['pixclock', (v, n) => (v.pixclock = n)],
  ['left_margin', (v, n) => (v.leftMargin = n)],
  ['right_margin', (v, n) => (v.rightMargin = n)],
  ['upper_margin', (v, n) => (v.upperMargin = n)],
  ['lower_margin', (v, n) => (v.lowerMargin = n)],
  ['hsync_len', (v, n) => (v.hsyncLen = n)],
  ['vsync_len', (v, n) => (v.vsyncLen = n)],
  ['sync', (v, n) => (v.sync = n)],
  ['vmode', (v, n) => (v.vmode = n)],
  ['rotate', (v, n) => (v.rotate = n)],
  ['colorspace', (v, n) => (v.colorspace = n)],
  ['reserved[0]', (v, n) => (v.reserved[0] = n)],
  ['reserved[1]', (v, n) => (v.reserved[1] = n)],
  ['reserved[2]', (v, n) => (v.reserved[2] = n)],
  ['reserved[3]', (v, n) => (v.reserved[3] = n)],
];

const fieldValue = (i: number) => (0x01020304 * (i + 1)) >>> 0;

const FIX: FixScreeninfo = {
  id: 'virtio_gpudrmfb',
  smemStart: 0x1122334455667,
  smemLen: 0x80000001,
  type: 2,
  typeAux: 3,
  visual: 4,
  xpanstep: 0x1234,
  ypanstep: 0x5678,
  ywrapstep: 0x9abc,
  lineLength: 0xdef01234,
  mmioStart: 0x7766554433221,
  mmioLen: 7,
  accel: 8,
  capabilities: 0xfedc,
  reserved: [0x1111, 0x2222],
};

const C_PROGRAM = `
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fb.h>
static void dump(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
  printf("\\n");
}
int main(void) {
  struct fb_var_screeninfo v; struct fb_fix_screeninfo f; struct fb_cmap c; struct fb_con2fbmap m;
  memset(&v, 0, sizeof v); memset(&f, 0, sizeof f); memset(&c, 0, sizeof c); memset(&m, 0, sizeof m);
  ${VAR_FIELDS.map(([name], i) => `v.${name} = ${fieldValue(i)}u;`).join(' ')}
  strcpy(f.id, "${FIX.id}"); f.smem_start = ${FIX.smemStart}ul; f.smem_len = ${FIX.smemLen}u;
  f.type = ${FIX.type}; f.type_aux = ${FIX.typeAux}; f.visual = ${FIX.visual};
  f.xpanstep = ${FIX.xpanstep}; f.ypanstep = ${FIX.ypanstep}; f.ywrapstep = ${FIX.ywrapstep};
  f.line_length = ${FIX.lineLength}u; f.mmio_start = ${FIX.mmioStart}ul; f.mmio_len = ${FIX.mmioLen};
  f.accel = ${FIX.accel}; f.capabilities = ${FIX.capabilities}; f.reserved[0] = ${FIX.reserved[0]}; f.reserved[1] = ${FIX.reserved[1]};
  c.start = 5; c.len = 0xfffffff0u; c.red = (void *)0x7f0000001000ul; c.green = (void *)0x2000;
  c.blue = (void *)0x3000; c.transp = 0;
  m.console = 7; m.framebuffer = 0xdeadbeef;
  printf("%zu %zu %zu %zu %#lx\\n", sizeof v, sizeof f, sizeof c, sizeof m, (unsigned long)FBIO_CURSOR);
  dump(&v, sizeof v); dump(&f, sizeof f); dump(&c, sizeof c); dump(&m, sizeof m);
  return 0;
}`;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Compiles and runs the C program against the system's <linux/fb.h>. */
function cStructs(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'fbmem-uapi-'));
  try {
    writeFileSync(join(dir, 'uapi.c'), C_PROGRAM);
    execFileSync('cc', ['-o', join(dir, 'uapi'), join(dir, 'uapi.c')]);
    return execFileSync(join(dir, 'uapi'), { encoding: 'utf8' }).trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('uapi structs (byte-exact against the C header)', function () {
  this.timeout(20000);
  let lines: string[];
  before(() => {
    lines = cStructs();
  });

  it('has the header sizes: var 160, fix 80, cmap 40, con2fbmap 8, and FBIO_CURSOR', () => {
    expect(lines[0]).to.equal(
      `${VAR_SCREENINFO_SIZE} ${FIX_SCREENINFO_SIZE} ${CMAP_SIZE} ${CON2FBMAP_SIZE} 0x${FBIO_CURSOR.toString(16)}`,
    );
  });

  it('encodes fb_var_screeninfo field by field like C, and decodes it back', () => {
    const v = emptyVar();
    for (const [i, [, set]] of VAR_FIELDS.entries()) set(v, fieldValue(i));
    expect(hex(encodeVar(v))).to.equal(lines[1]);
    expect(decodeVar(Buffer.from(lines[1], 'hex'))).to.deep.equal(v);
  });

  it('encodes fb_fix_screeninfo like C (id NUL padded, u64 smem_start/mmio_start, u16 steps)', () => {
    expect(hex(encodeFix(FIX))).to.equal(lines[2]);
  });

  it('decodes and encodes fb_cmap and fb_con2fbmap like C', () => {
    const cmap = { start: 5, len: 0xfffffff0, red: 0x7f0000001000, green: 0x2000, blue: 0x3000, transp: 0 };
    expect(hex(encodeCmap(cmap))).to.equal(lines[3]);
    expect(decodeCmap(Buffer.from(lines[3], 'hex'))).to.deep.equal(cmap);
    expect(hex(encodeCon2Fb({ console: 7, framebuffer: 0xdeadbeef }))).to.equal(lines[4]);
    expect(decodeCon2Fb(Buffer.from(lines[4], 'hex'))).to.deep.equal({ console: 7, framebuffer: 0xdeadbeef });
  });

  it('keeps at most 15 id characters so id stays NUL terminated', () => {
    const bytes = encodeFix({ ...FIX, id: 'a-very-long-driver-name' });
    expect(Buffer.from(bytes.subarray(0, 16)).toString('latin1')).to.equal('a-very-long-dri\0');
  });

  it('reads a pointer beyond 2^53 as an address no process has', () => {
    const bytes = encodeCmap({ start: 0, len: 1, red: 0, green: 0, blue: 0, transp: 0 });
    new DataView(bytes.buffer).setBigUint64(8, 0xffffffffffffffffn, true);
    expect(decodeCmap(bytes).red).to.equal(Number.MAX_SAFE_INTEGER);
  });
});
