import { expect } from 'chai';
import { Container } from 'inversify';
import { asyncScheduler } from 'rxjs';
import { chrdevModule } from './module.js';
import { encodeReply, Op, REPLY_BYTES, REQUEST_BYTES, Request } from './protocol.js';
import { ChrdevRegistry } from './registry.js';
import { sharedMemoryAllocator } from './shared-memory.js';
import {
  CHRDEV_REGISTRY,
  type CharDevice,
  type ChrdevRegistryApi,
  FRONT_DOOR,
  type FrontDoorApi,
  SCHEDULER,
  SHARED_MEMORY_ALLOCATOR,
  type SharedMemoryAllocator,
} from './tokens.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'none';
}

const dev = (path: string, major = 29, minor = 0): CharDevice => ({ path, major, minor, fops: {} });

describe('ChrdevRegistry (register_chrdev + the node)', () => {
  it('registers, looks up and unregisters device nodes', () => {
    const r = new ChrdevRegistry();
    r.register(dev('/dev/fb0'));
    r.register(dev('/dev/dri/card0', 226, 0));
    expect(r.lookup('/dev/fb0')?.major).to.equal(29);
    expect(r.devices.map((d) => d.path)).to.deep.equal(['/dev/fb0', '/dev/dri/card0']);
    r.unregister('/dev/fb0');
    expect(r.lookup('/dev/fb0')).to.equal(undefined);
  });

  it('refuses taken paths and numbers (EBUSY) and bad ones (EINVAL), state unchanged', () => {
    const r = new ChrdevRegistry();
    r.register(dev('/dev/fb0'));
    expect(code(() => r.register(dev('/dev/fb0', 29, 1)))).to.equal('EBUSY');
    expect(code(() => r.register(dev('/dev/fb1', 29, 0)))).to.equal('EBUSY');
    for (const path of ['fb0', '/dev/a;b', '/dev/a=b', '', `/${'x'.repeat(300)}`])
      expect(
        code(() => r.register(dev(path, 29, 5))),
        path,
      ).to.equal('EINVAL');
    for (const [major, minor] of [
      [-1, 0],
      [4096, 0],
      [1.5, 0],
      [29, Number.NaN],
    ])
      expect(code(() => r.register(dev('/dev/x', major, minor)))).to.equal('EINVAL');
    expect(code(() => r.register({ path: '/dev/y', major: 1, minor: 1 } as unknown as CharDevice))).to.equal(
      'EINVAL',
    );
    expect(r.devices).to.have.length(1);
  });
});

describe('front door wire format (native/fbemu-proto.h)', () => {
  it('decodes a request and its path; too short is not a request', () => {
    const bytes = new Uint8Array(REQUEST_BYTES + 16);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, Op.OPEN, true);
    view.setUint32(4, 7, true);
    view.setBigUint64(8, 2n, true);
    view.setBigUint64(16, 0xffffffffffffffffn, true);
    view.setBigUint64(24, 2n ** 60n, true);
    bytes.set(new TextEncoder().encode('/dev/fb0\0'), REQUEST_BYTES);
    const req = new Request(bytes);
    expect(req.decode(REQUEST_BYTES - 1)).to.equal(false);
    expect(req.decode(bytes.length)).to.equal(true);
    expect([req.op, req.handle, req.a[0], req.path()]).to.deep.equal([Op.OPEN, 7, 2, '/dev/fb0']);
    expect([req.isMinusOne(1), req.signed(1), Number.isNaN(req.a[2])]).to.deep.equal([true, -1, true]);
    expect(req.decode(REQUEST_BYTES + 4)).to.equal(true);
    expect(req.path()).to.equal(undefined, 'a path without its NUL within the message');
  });

  it('encodes replies: a signed result and three values', () => {
    const out = new Uint8Array(REPLY_BYTES);
    encodeReply(out, -22, 1, 2 ** 40, 3);
    const view = new DataView(out.buffer);
    expect([view.getBigInt64(0, true), view.getBigUint64(16, true)]).to.deep.equal([-22n, 2n ** 40n]);
  });
});

describe('sharedMemoryAllocator', () => {
  it('without the native addon: plain shared memory, fd -1', () => {
    const memory = sharedMemoryAllocator(undefined)(4096);
    expect([memory.buffer instanceof SharedArrayBuffer, memory.buffer.byteLength, memory.fd]).to.deep.equal([
      true,
      4096,
      -1,
    ]);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 41])
      expect(code(() => sharedMemoryAllocator(undefined)(bad))).to.equal('EINVAL');
  });
});

describe('chrdevModule', () => {
  it('binds one registry, one front door and a memfd allocator', () => {
    const c = new Container();
    c.bind(SCHEDULER).toConstantValue(asyncScheduler);
    c.load(chrdevModule);
    expect(c.get<ChrdevRegistryApi>(CHRDEV_REGISTRY)).to.equal(c.get(CHRDEV_REGISTRY));
    expect(c.get<FrontDoorApi>(FRONT_DOOR).processes).to.equal(0);
    const memory = c.get<SharedMemoryAllocator>(SHARED_MEMORY_ALLOCATOR)(8192);
    expect([memory.buffer.byteLength, memory.fd >= 0]).to.deep.equal([8192, true]);
    expect(code(() => c.get<SharedMemoryAllocator>(SHARED_MEMORY_ALLOCATOR)(-1))).to.equal('EINVAL');
  });
});
