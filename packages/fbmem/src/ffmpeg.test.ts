import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrackingMode } from '@fbemu/chrdev';
import {
  ChrdevRegistry,
  FrontDoor,
  loadNative,
  SHARED_MEMORY_ALLOCATOR,
  sharedMemoryAllocator,
} from '@fbemu/chrdev';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { Container } from 'inversify';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { fbmemModule } from './module.js';
import { FBMEM_FACTORY, type FbmemFactoryApi } from './tokens.js';

/**
 * End-to-end: Debian's ffmpeg writes three frames to /dev/fb0 through the front door (LD_PRELOAD,
 * real store tracking). The consumer's image, built only from the damage fbemu emits, must equal
 * ffmpeg's rawvideo output of the same last frame. Needs `ffmpeg` (apt-get install ffmpeg).
 */
const W = 640;
const H = 480;
const SOURCE = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=30`];
const FRAMES = ['-frames:v', '3', '-pix_fmt', 'bgra'];

function lastRawFrame(): Buffer {
  const raw = spawnSync('ffmpeg', [...SOURCE, ...FRAMES, '-f', 'rawvideo', '-'], { maxBuffer: 1 << 24 });
  expect(raw.status, String(raw.stderr)).to.equal(0);
  return raw.stdout.subarray(2 * W * H * 4);
}

describe('ffmpeg -f fbdev /dev/fb0 under the front door', function () {
  this.timeout(60_000);

  for (const tracking of ['async', 'sync', 'mprotect'] as TrackingMode[]) {
    it(`${tracking}: the image built from damage equals ffmpeg's rawvideo of the last frame`, async () => {
      const container = new Container();
      container.bind(SCHEDULER).toConstantValue(asyncScheduler);
      container.bind(SHARED_MEMORY_ALLOCATOR).toConstantValue(sharedMemoryAllocator(loadNative()));
      container.load(fbdevDefioModule, fbmemModule);
      const { device, chrdev } = container
        .get<FbmemFactoryApi>(FBMEM_FACTORY)
        .create({ width: W, height: H });
      const registry = new ChrdevRegistry();
      registry.register(chrdev);
      const door = new FrontDoor(registry, asyncScheduler);
      door.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'fbemu-')), 'door.sock'), tracking });
      const image = new Uint8Array(W * H * 4);
      const memory = new Uint8Array(device.scanout.memory.buffer);
      const { pitch } = device.scanout;
      device.damage$.subscribe((d) => {
        for (const c of d.clips)
          for (let y = c.y1; y < c.y2; y++)
            image.set(memory.subarray(y * pitch + c.x1 * 4, y * pitch + c.x2 * 4), y * W * 4 + c.x1 * 4);
      });
      try {
        const exited = firstValueFrom(door.exits$);
        const ffmpeg = spawn('ffmpeg', [...SOURCE, ...FRAMES, '-f', 'fbdev', chrdev.path], {
          env: { ...process.env, ...door.env() },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        const code = await new Promise((resolve) => ffmpeg.on('close', (c, s) => resolve(c ?? s)));
        expect(code).to.equal(0);
        await exited;
        expect(Buffer.compare(Buffer.from(image), lastRawFrame())).to.equal(0);
      } finally {
        door.close();
        device.destroy();
      }
    });
  }
});
