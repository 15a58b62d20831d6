/**
 * Embedding fbemu in your own compositor, by import: one container with the packages' modules,
 * an fbdev over a GEM dumb buffer mounted at a fake offset of your choice, a client drawing
 * through its mmap, and damage delivered to your own code. docs/compositor.md shows this file.
 */
import {
  DRM_FBDEV_FACTORY,
  type DrmFbdevFactoryApi,
  drmFbHelperModule,
  type Rect,
} from '@fbemu/drm-fb-helper';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { gemShmemModule } from '@fbemu/gem-shmem';
import { Container } from 'inversify';
import type { SchedulerLike } from 'rxjs';

export async function embedExample(
  scheduler: SchedulerLike,
  onDamage: (rects: readonly Rect[], pixels: Uint8Array) => void,
) {
  const container = new Container();
  container.bind(SCHEDULER).toConstantValue(scheduler); // asyncScheduler in an app, virtual time in tests
  container.load(gemShmemModule, fbdevDefioModule, drmFbHelperModule);

  // /dev/fb over a 320×200 XRGB8888 GEM dumb buffer at fake offset 0x7_0000_0000, no shadow copy
  const fbdev = container
    .get<DrmFbdevFactoryApi>(DRM_FBDEV_FACTORY)
    .create({ width: 320, height: 200, gemOffset: 0x7_0000_0000 });
  fbdev.damage$.subscribe((d) => onDamage(d.clips, fbdev.bo.bytes)); // your compositor's plane update

  // a client: open + mmap /dev/fb, draw a 10×10 square at (100, 50); (share() hands the mapping to a worker)
  const file = fbdev.defio.open();
  const map = fbdev.defio.mmap(file, { length: fbdev.info.fix.smemLen });
  const pitch = fbdev.info.fix.lineLength;
  for (let y = 50; y < 60; y++)
    map.access(y * pitch + 100 * 4, 40, (row) =>
      new Uint32Array(row.buffer, row.byteOffset, 10).fill(0xff8800),
    );

  // after the defio delay (50 ms) the writeback turns the dirty pages into damage
  return async () => {
    map.close();
    fbdev.defio.release(file); // last close flushes
    fbdev.destroy();
  };
}
