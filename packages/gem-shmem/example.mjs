// Run after `pnpm run build`:  node packages/gem-shmem/example.mjs
import { GemDevice, isKernelError } from './dist/index.js';

const device = new GemDevice(); // 4 KiB pages, the 64-bit kernel's fake-offset window
const file = device.open();

// DRM_IOCTL_MODE_CREATE_DUMB + MAP_DUMB: a 1024×768 XRGB8888 buffer
const { handle, pitch, size } = device.dumbCreate(file, { width: 1024, height: 768, bpp: 32 });
const offset = device.mapDumb(file, handle);
console.log({ handle, pitch, size, offset: `0x${offset.toString(16)}` });

// mmap through the DRM node at the object's fake offset; a fault records page.index = pgoff + j
const mapping = device.mmap(file, offset, size);
const page = mapping.fault(3);
console.log({ pageNumberInObject: page.number, pageIndex: page.index, pgoff: mapping.pgoff });

// Mount a second object at an explicit offset; overlapping it is EBUSY, and state is unchanged
const other = device.createObject(64 * 1024, 2 ** 33);
try {
  device.mountObject(device.lookup(file, handle), 2 ** 33 + 4096);
} catch (e) {
  if (isKernelError(e, 'EBUSY')) console.log('overlap refused:', e.message);
}
console.log(
  'still at',
  `0x${device.mapDumb(file, handle).toString(16)}`,
  'other at',
  `0x${device.offsetOf(other).toString(16)}`,
);

mapping.close();
device.closeFile(file);
