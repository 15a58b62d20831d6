/**
 * The fbemu side of `peer.bench.ts`, run as its own process so its CPU is its own: /dev/fb0
 * (1280×720 XRGB8888 over a memfd) behind a front door, and the RFB server fed only by the
 * device's damage (no compositor in between: x11vnc reads the framebuffer directly too).
 * Talks to the parent over the fork IPC channel:
 *   → { ready: { port, env, memfd } }   the RFB port, the program environment, the memfd path
 *   → { frame: { armedAt, hashes, hashUs } } per writeback: its first-write time, hashes of the
 *                                         frame's tiles (peer-hash.ts), and the CPU the hash and the
 *                                         previous report cost (µs)
 *   ← 'close'                            closes everything and exits
 */
import 'reflect-metadata';
import { mkdtempSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChrdevRegistry,
  FrontDoor,
  loadNative,
  SHARED_MEMORY_ALLOCATOR,
  sharedMemoryAllocator,
} from '@fbemu/chrdev';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { FBMEM_FACTORY, type FbmemFactoryApi, fbmemModule } from '@fbemu/fbmem';
import { Container } from 'inversify';
import { realTimeScheduler } from '../app/real-time-scheduler.js';
import { tileHashes } from './peer-hash.js';
import { DEFAULT_RFB_OPTIONS, RfbServer } from './rfb/server.js';
import { RFB_OPTIONS } from './tokens.js';

const [width, height, delay] = process.argv.slice(2).map(Number);

/** The memfd of `bytes` bytes this process holds, as a path another process can map. */
function memfdPath(bytes: number): string {
  for (const fd of readdirSync('/proc/self/fd')) {
    const path = `/proc/self/fd/${fd}`;
    try {
      if (readlinkSync(path).startsWith('/memfd:') && statSync(path).size === bytes)
        return `/proc/${process.pid}/fd/${fd}`;
    } catch {
      /* an fd closed while listing */
    }
  }
  throw new Error('no memfd of the framebuffer size');
}

const container = new Container();
container.bind(SCHEDULER).toConstantValue(realTimeScheduler);
container.bind(SHARED_MEMORY_ALLOCATOR).toConstantValue(sharedMemoryAllocator(loadNative()));
container.bind(RFB_OPTIONS).toConstantValue({ ...DEFAULT_RFB_OPTIONS, port: 0, host: '127.0.0.1' });
container.bind(RfbServer).toSelf().inSingletonScope();
container.load(fbdevDefioModule, fbmemModule);
const { device, chrdev } = container.get<FbmemFactoryApi>(FBMEM_FACTORY).create({ width, height, delay });
const pixels = new Uint32Array(device.memory.buffer, 0, width * height);
const server = container.get(RfbServer);
const stride = device.scanout.pitch / 4;
server.attach({ width, height, stride, pixels });
/** CPU the previous report cost (serialising and writing the IPC message): the bench's, not fbemu's */
let reportUs = 0;
device.helper.defio.pagerefs$.subscribe((b) => {
  const cpu = process.cpuUsage();
  const hashes = tileHashes(pixels, stride);
  const hashed = process.cpuUsage(cpu);
  const hashUs = hashed.user + hashed.system + reportUs;
  process.send?.({ frame: { armedAt: b.armedAt, hashes, hashUs } });
  const sent = process.cpuUsage(cpu);
  reportUs = sent.user + sent.system - (hashed.user + hashed.system);
});
device.damage$.subscribe((d) => server.damage(d.clips));
const registry = new ChrdevRegistry();
registry.register(chrdev);
const door = new FrontDoor(registry, realTimeScheduler);
door.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'fbemu-peer-')), 'door.sock') });
await server.start();
process.send?.({
  ready: { port: server.port, env: door.env(), memfd: memfdPath(device.memory.buffer.byteLength) },
});
process.on('message', async (m) => {
  if (m !== 'close') return;
  door.close();
  await server.close();
  device.destroy();
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
