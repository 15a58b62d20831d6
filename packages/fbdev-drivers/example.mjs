// Run after `pnpm run build`:  node packages/fbdev-drivers/example.mjs
// A 240×135 RGB565 framebuffer with deferred I/O, drawn through its mmap, pushed to two sinks:
// an ST7789-style SPI panel (model) and a USB display (model). Swap a model for your own
// ByteTransport to drive real hardware (see docs/drivers.md).
import { FbDeferredIo } from '@fbemu/fbdev-defio';
import { asyncScheduler } from 'rxjs';
import { DcsPanel, FbtftDriver, UdlDevice, UdlDriver } from './dist/index.js';

const [xres, yres] = [240, 135];
const lineLength = xres * 2;
const info = {
  fix: { smemLen: lineLength * yres, lineLength },
  var: { xres, yres, xresVirtual: xres, yresVirtual: yres, xoffset: 0, yoffset: 0, bitsPerPixel: 16 },
};
const fb = new FbDeferredIo(info, { delay: 20 }, asyncScheduler);

const panel = new DcsPanel(xres, yres); // implements ByteTransport: send(bytes, done)
const spi = new FbtftDriver(fb, panel, asyncScheduler, { fps: 30, windows: 4 });
const usbDevice = new UdlDevice(xres, yres);
const usb = new UdlDriver(fb, usbDevice, asyncScheduler);

// The client: map /dev/fb and draw a red bar on row 10 and a pixel near the bottom
const map = fb.mmap(fb.open(), { length: info.fix.smemLen });
for (let x = 20; x < 120; x++) map.setUint16(10 * lineLength + x * 2, 0xf800);
map.setUint16(130 * lineLength + 200 * 2, 0x07e0);

await new Promise((resolve) => setTimeout(resolve, 100)); // > delay: the writeback ran
console.log('panel (10,20) =', panel.pixel(20, 10).toString(16), 'showing:', panel.showing);
console.log('usb   (200,130) =', usbDevice.pixel(200, 130).toString(16));
console.log(
  'spi updates',
  spi.stats.updates,
  'usb bytes sent',
  usb.udlStats.bytes,
  'vs raw rows',
  usb.udlStats.rawBytes,
);
spi.dispose();
usb.dispose();
fb.cleanup();
