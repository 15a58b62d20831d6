// Run after `npx tsc -b` at the repository root: node packages/fbmem/example.mjs
import 'reflect-metadata';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import {
  decodeVar,
  encodeVar,
  FBIOGET_VSCREENINFO,
  FBIOPAN_DISPLAY,
  FBMEM_FACTORY,
  fbmemModule,
} from '@fbemu/fbmem';
import { Container } from 'inversify';
import { asyncScheduler } from 'rxjs';

const container = new Container();
container.bind(SCHEDULER).toConstantValue(asyncScheduler);
container.load(fbdevDefioModule, fbmemModule);

// /dev/fb0: 640×480 XRGB8888 on a 640×960 buffer (double buffering by panning)
const { device, chrdev } = container
  .get(FBMEM_FACTORY)
  .create({ width: 640, height: 480, virtualHeight: 960 });
device.damage$.subscribe((d) => console.log(`damage ${d.clips.join(' ')} viewport ${d.viewport}`));

// a fake process: one 4 KiB region of user memory at 0x10000 (anything else is EFAULT)
const user = new Uint8Array(4096);
const mem = {
  read: (addr, len) => user.slice(addr - 0x10000, addr - 0x10000 + len),
  write: (addr, bytes) => user.set(bytes, addr - 0x10000),
};
const file = {
  id: 1,
  minor: 0,
  flags: 2 /* O_RDWR */,
  process: { pid: 1, comm: 'demo' },
  fpos: { pos: 0 },
  privateData: undefined,
  queueRead() {},
};
const { fops } = chrdev;
fops.open(file);

fops.ioctl(file, FBIOGET_VSCREENINFO, 0x10000, mem);
const v = decodeVar(mem.read(0x10000, 160));
console.log(
  `${chrdev.path}: ${v.xres}x${v.yres} virtual ${v.xresVirtual}x${v.yresVirtual} ${v.bitsPerPixel} bpp`,
);

// write(2) one row of the back buffer (row 500), then pan to it (FBIOPAN_DISPLAY)
user.fill(0xff, 0, 2560);
file.fpos.pos = 500 * device.fix.lineLength;
console.log('write ->', fops.write(file, 0x10000, 2560, file.fpos, mem));
v.yoffset = 480;
mem.write(0x10000, encodeVar(v));
fops.ioctl(file, FBIOPAN_DISPLAY, 0x10000, mem);
console.log('scanout', device.scanout.width, 'x', device.scanout.height, 'from row', device.scanout.yoffset);

// mmap: what the front door maps into the process, and a tracked store in it
const target = fops.mmap(file, { pgoff: 0, length: device.fix.smemLen, prot: 3, flags: 1 });
console.log(`mmap -> ${target.length} bytes at offset ${target.byteOffset} (fd ${target.memory.fd})`);
let ring;
const written = new Set();
const mapping = {
  vma: { pgoff: 0, length: target.length, prot: 3, flags: 1 },
  process: file.process,
  start: (onWrite) => (ring = onWrite),
  collect: (enlist) => {
    for (const page of written) enlist(page);
  },
  take: (enlist) => {
    for (const page of written) enlist(page);
    written.clear();
  },
  mkclean() {},
  shutdown() {},
};
target.attach(mapping);
new Uint32Array(target.memory.buffer)[(600 * 640 + 10) >> 0] = 0xff00ff00; // the process stores pixel (10, 600)
written.add(Math.floor((600 * device.fix.lineLength) / 4096));
ring();

setTimeout(() => {
  target.detach(mapping);
  fops.release(file);
  device.destroy();
}, 100);
