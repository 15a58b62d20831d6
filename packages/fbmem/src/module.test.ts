import 'reflect-metadata';
import { SHARED_MEMORY_ALLOCATOR, type SharedMemoryAllocator } from '@fbemu/chrdev';
import { FakeUserMemory } from '@fbemu/chrdev/test-support';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { Container } from 'inversify';
import { queueScheduler } from 'rxjs';
import { fbmemModule } from './module.js';
import type { FbRegistry } from './registry.js';
import { openFile } from './test-support.js';
import { FB_REGISTRY, FBMEM_FACTORY, type FbmemFactoryApi } from './tokens.js';
import { decodeVar, FBIOGET_VSCREENINFO, VAR_SCREENINFO_SIZE } from './uapi.js';

function container(allocator?: SharedMemoryAllocator): Container {
  const c = new Container();
  c.bind(SCHEDULER).toConstantValue(queueScheduler);
  if (allocator) c.bind(SHARED_MEMORY_ALLOCATOR).toConstantValue(allocator);
  c.load(fbdevDefioModule, fbmemModule);
  return c;
}

describe('fbmemModule', () => {
  it('creates /dev/fb0, /dev/fb1 … on one registry, each answering its own mode', () => {
    const c = container();
    const factory = c.get<FbmemFactoryApi>(FBMEM_FACTORY);
    const fb0 = factory.create({ width: 320, height: 240 });
    const fb1 = factory.create({ width: 640, height: 480, bpp: 16 });
    expect([fb0.chrdev.path, fb1.chrdev.path]).to.deep.equal(['/dev/fb0', '/dev/fb1']);
    expect([fb0.chrdev.major, fb1.chrdev.minor]).to.deep.equal([29, 1]);
    expect(c.get<FbRegistry>(FB_REGISTRY).device(1)).to.equal(fb1.device);
    const mem = new FakeUserMemory();
    const arg = mem.alloc(VAR_SCREENINFO_SIZE);
    fb1.chrdev.fops.ioctl!(openFile(fb1.chrdev), FBIOGET_VSCREENINFO, arg, mem);
    const v = decodeVar(mem.read(arg, VAR_SCREENINFO_SIZE));
    expect([v.xres, v.yres, v.bitsPerPixel]).to.deep.equal([640, 480, 16]);
  });

  it('allocates the framebuffer with a bound SharedMemoryAllocator (page-aligned size)', () => {
    const sizes: number[] = [];
    const c = container((bytes) => {
      sizes.push(bytes);
      return { buffer: new SharedArrayBuffer(bytes), fd: 42 };
    });
    const { device } = c.get<FbmemFactoryApi>(FBMEM_FACTORY).create({ width: 100, height: 10 });
    expect(sizes).to.deep.equal([4096]);
    expect(device.memory.fd).to.equal(42);
    expect(device.scanout.memory.fd).to.equal(42);
  });

  it('takes an allocator bound after the module was loaded (load order does not matter)', () => {
    const c = new Container();
    c.bind(SCHEDULER).toConstantValue(queueScheduler);
    c.load(fbdevDefioModule, fbmemModule);
    c.bind(SHARED_MEMORY_ALLOCATOR).toConstantValue((bytes: number) => ({
      buffer: new SharedArrayBuffer(bytes),
      fd: 9,
    }));
    expect(c.get<FbmemFactoryApi>(FBMEM_FACTORY).create({ width: 8, height: 8 }).device.memory.fd).to.equal(
      9,
    );
  });

  it('without an allocator the memory is plain shared memory (fd −1)', () => {
    expect(
      container().get<FbmemFactoryApi>(FBMEM_FACTORY).create({ width: 8, height: 8 }).device.memory.fd,
    ).to.equal(-1);
  });

  it('refuses bad modes with EINVAL and leaves no minor taken', () => {
    const c = container();
    const factory = c.get<FbmemFactoryApi>(FBMEM_FACTORY);
    for (const bad of [
      { width: 0, height: 10 },
      { width: 10, height: 10, bpp: 8 },
      { width: 10, height: 10, virtualWidth: 5 },
    ]) {
      expect(() => factory.create(bad)).to.throw(/EINVAL/);
    }
    expect(factory.create({ width: 8, height: 8 }).chrdev.minor).to.equal(0);
  });

  it('ENXIO past FB_MAX framebuffers, ENODEV to unregister a free minor', () => {
    const c = container();
    const factory = c.get<FbmemFactoryApi>(FBMEM_FACTORY);
    const nodes = Array.from({ length: 32 }, () => factory.create({ width: 8, height: 8 }));
    expect(nodes.at(-1)!.chrdev.path).to.equal('/dev/fb31');
    expect(() => factory.create({ width: 8, height: 8 })).to.throw(/ENXIO/);
    const registry = c.get<FbRegistry>(FB_REGISTRY);
    registry.unregister(5);
    expect(nodes[5].device.live).to.equal(false);
    expect(() => registry.unregister(5)).to.throw(/ENODEV/);
    expect(() => registry.register(nodes[6].device)).to.throw(/EBUSY/);
    expect(factory.create({ width: 8, height: 8 }).chrdev.minor).to.equal(5);
  });

  it('ENOMEM when the allocator hands back less than the framebuffer needs', () => {
    const c = container((bytes) => ({ buffer: new SharedArrayBuffer(bytes - 4096), fd: 3 }));
    expect(() => c.get<FbmemFactoryApi>(FBMEM_FACTORY).create({ width: 64, height: 64 })).to.throw(/ENOMEM/);
  });
});
