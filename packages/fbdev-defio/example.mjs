// A 1024×768×32 framebuffer with deferred I/O: the main thread and a worker thread draw, the
// consumer prints which pages each writeback hands over. Run: pnpm run build && node packages/fbdev-defio/example.mjs
import { Worker } from 'node:worker_threads';
import { FbDeferredIo } from '@fbemu/fbdev-defio';
import { asyncScheduler } from 'rxjs';

const info = {
  fix: { smemLen: 1024 * 768 * 4, lineLength: 1024 * 4 },
  var: {
    xres: 1024,
    yres: 768,
    xresVirtual: 1024,
    yresVirtual: 768,
    xoffset: 0,
    yoffset: 0,
    bitsPerPixel: 32,
  },
};
const defio = new FbDeferredIo(info, { delay: 50, sortPagereflist: true }, asyncScheduler);
defio.pagerefs$.subscribe((batch) => {
  const pages = batch.pagerefs.map((ref) => ref.offset / 4096);
  console.log(
    `writeback ${batch.cycle}: pages ${pages.join(' ')} (armed ${batch.armedAt}, flushed ${batch.flushedAt})`,
  );
});

const file = defio.open();
const map = defio.mmap(file, { length: info.fix.smemLen });
map.setUint32(0, 0xff0000ff); // first store of the cycle: page 0 enlisted, the 50 ms timer armed
map.fill(5 * 4096, 8192, 0x80); // pages 5 and 6
map.access(100 * 4096, 4096, (view) => view.fill(0xff)); // bracketed raw access: page 100

// a worker thread draws row 700 through the same memory
const worker = new Worker(new URL('./example-worker.mjs', import.meta.url), { workerData: map.share() });
await new Promise((resolve) => worker.on('exit', resolve));

map.close();
defio.release(file); // last close: pending work is flushed, not dropped
defio.cleanup();
