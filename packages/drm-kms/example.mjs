// Serves /dev/dri/card0 to real programs through the chrdev front door, and plays a tiny
// compositor: it prints every scanout frame and completes page flips after each one.
//   pnpm run build && node packages/drm-kms/example.mjs
// then, in another shell, run a program with the environment it prints, e.g.
//   env $(cat /tmp/fbemu-drm.env) modetest -D /dev/dri/card0 -s <connector>@<crtc>:640x480
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { CHRDEV_REGISTRY, chrdevModule, FRONT_DOOR } from '@fbemu/chrdev';
import { DRM_KMS_DEVICE, DRM_KMS_OPTIONS, DRM_SHARED_MEMORY_POOL, drmKmsModule } from '@fbemu/drm-kms';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { GEM_DEVICE_OPTIONS, gemShmemModule } from '@fbemu/gem-shmem';
import { Container } from 'inversify';
import { asyncScheduler } from 'rxjs';

const container = new Container();
container.bind(SCHEDULER).toConstantValue(asyncScheduler);
container.bind(DRM_KMS_OPTIONS).toConstantValue({ width: 640, height: 480, privileged: true });
container
  .bind(GEM_DEVICE_OPTIONS)
  .toDynamicValue((ctx) => ({ allocateBacking: ctx.get(DRM_SHARED_MEMORY_POOL).allocate }));
container.load(gemShmemModule, fbdevDefioModule, chrdevModule, drmKmsModule);

const card = container.get(DRM_KMS_DEVICE);
container.get(CHRDEV_REGISTRY).register(card);
const door = container.get(FRONT_DOOR);
const socketPath = process.argv[2] ?? '/tmp/fbemu-drm.sock';
door.start({ socketPath, log: (line) => console.log(line) });

card.scanout$.subscribe((frame) => {
  const b = frame.buffer;
  const what = b ? `fb ${b.fbId} ${b.surface.width}x${b.surface.height} ${b.surface.format.name}` : 'off';
  const px = b ? b.surface.u32?.[b.viewport.y1 * (b.surface.pitch / 4) + b.viewport.x1]?.toString(16) : '-';
  console.log(
    `frame ${frame.seq} ${frame.reason}: ${what} damage ${frame.damage.join(' ')} first pixel ${px}`,
  );
  setImmediate(() => card.flipDone()); // "composited": complete a pending page flip
});

const env = Object.entries(door.env()).map(([k, v]) => `${k}=${v}`);
writeFileSync('/tmp/fbemu-drm.env', env.join('\n'));
console.log(`serving ${card.path}; environment in /tmp/fbemu-drm.env:\n${env.join('\n')}`);
process.on('SIGINT', () => {
  door.close();
  process.exit(0);
});
