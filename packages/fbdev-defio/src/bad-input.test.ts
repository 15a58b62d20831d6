import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { FbDeferredIo } from './fb-deferred-io.js';
import type { FbMapping } from './fb-mapping.js';
import { isKernelError, PageGeometry } from './gem.js';
import { fbInfo, framebuffer } from './test-fixtures.js';
import type { FbDeferredIoConfig, FbInfo, FbStoreApi, WorkerMappingDescriptor } from './tokens.js';
import { attachFbMapping } from './worker-mapping.js';

/** Every public entry point: bad input throws a typed KernelError and changes nothing. */
function expectCode(code: string, fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isKernelError(thrown), `expected ${code}, got ${String(thrown)}`).to.equal(true);
  expect((thrown as { code: string }).code).to.equal(code);
}

const bad = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '4', undefined, null] as unknown as number[];

/** A snapshot of everything a failed call must leave alone. */
function snapshot(defio: FbDeferredIo, batches: unknown[]): string {
  return JSON.stringify({
    pending: defio.pending,
    open: defio.openFiles,
    batches: batches.length,
    memory: Buffer.from(defio.memory.memory).toString('base64'),
  });
}

describe('bad input', () => {
  describe('FbDeferredIo constructor', () => {
    const vts = new VirtualTimeScheduler();
    const info = fbInfo(8192);
    const infos: unknown[] = [
      null,
      {},
      { fix: info.fix },
      { var: info.var },
      ...bad.map((smemLen) => ({ ...info, fix: { ...info.fix, smemLen } })),
      ...bad.map((lineLength) => ({ ...info, fix: { ...info.fix, lineLength } })),
      ...bad.map((bitsPerPixel) => ({ ...info, var: { ...info.var, bitsPerPixel } })),
      ...bad.map((yoffset) => ({ ...info, var: { ...info.var, yoffset } })),
      { ...info, screenBuffer: new ArrayBuffer(8192) },
      { ...info, screenBuffer: new SharedArrayBuffer(4096) },
    ];
    it('rejects malformed fb_info with EINVAL', () => {
      for (const i of infos) expectCode('EINVAL', () => new FbDeferredIo(i as FbInfo, {}, vts));
    });

    const configs: unknown[] = [
      null,
      { delay: -1 },
      { delay: Number.NaN },
      { delay: Number.POSITIVE_INFINITY },
      // a timer of 2^31 ms or more would fire after 1 ms in Node
      { delay: 2 ** 31 },
      { sortPagereflist: 1 },
      { getPage: 3 },
      { deferredIo: 'x' },
      { pageGeometry: { size: 4096 } },
    ];
    it('rejects malformed fb_deferred_io config with EINVAL', () => {
      for (const c of configs)
        expectCode('EINVAL', () => new FbDeferredIo(info, c as FbDeferredIoConfig, vts));
    });

    it('rejects a page size that is not a Linux page size (via PageGeometry)', () => {
      expectCode('EINVAL', () => new PageGeometry(8192));
    });
  });

  describe('FbDeferredIo methods', () => {
    it('release: foreign, forged and already released files → EINVAL, open count unchanged', () => {
      const { defio, batches } = framebuffer(2, { delay: 5 });
      const other = framebuffer(2).defio;
      const file = defio.open();
      defio.mmap(file, { length: 4096 }).setUint8(0, 1);
      const before = snapshot(defio, batches);
      expectCode('EINVAL', () => defio.release(other.open()));
      expectCode('EINVAL', () => defio.release({ id: file.id }));
      expectCode('EINVAL', () => defio.release(null as never));
      expect(snapshot(defio, batches)).to.equal(before);
      const second = defio.open();
      defio.release(second);
      expectCode('EINVAL', () => defio.release(second));
      expect(snapshot(defio, batches)).to.equal(before);
    });

    it('mmap: bad file, options, lengths and offsets → EINVAL/ENOMEM, no mapping and no file reference', () => {
      const { defio, batches } = framebuffer(2, { delay: 5 });
      const file = defio.open();
      const before = snapshot(defio, batches);
      expectCode('EINVAL', () => defio.mmap({ id: 1 }, { length: 4096 }));
      expectCode('EINVAL', () => defio.mmap(file, null as never));
      for (const length of [0, ...bad]) expectCode('EINVAL', () => defio.mmap(file, { length }));
      for (const pgoff of bad.filter((v) => v !== undefined))
        expectCode('EINVAL', () => defio.mmap(file, { length: 1, pgoff }));
      for (const fileBase of bad.filter((v) => v !== undefined))
        expectCode('EINVAL', () => defio.mmap(file, { length: 1, fileBase }));
      expectCode('ENOMEM', () => defio.mmap(file, { length: 2 ** 40 }));
      expect(snapshot(defio, batches)).to.equal(before);
      // no failed mmap took a file reference: closing the descriptor is the last close
      defio.release(file);
      expect(defio.openFiles).to.equal(0);
    });

    it('markDirty: bad or out-of-range ranges → EINVAL, nothing enlisted', () => {
      const { defio, batches } = framebuffer(2, { delay: 5 });
      const before = snapshot(defio, batches);
      for (const v of bad) {
        expectCode('EINVAL', () => defio.markDirty(v, 1));
        expectCode('EINVAL', () => defio.markDirty(0, v));
      }
      expectCode('EINVAL', () => defio.markDirty(8000, 193));
      expect(snapshot(defio, batches)).to.equal(before);
    });

    it('after cleanup: open, mmap and markDirty → ENODEV', () => {
      const { defio } = framebuffer(2);
      const file = defio.open();
      defio.cleanup();
      expectCode('ENODEV', () => defio.open());
      expectCode('ENODEV', () => defio.mmap(file, { length: 4096 }));
      expectCode('ENODEV', () => defio.markDirty(0, 1));
    });
  });

  describe('FbMapping', () => {
    let defio: FbDeferredIo;
    let batches: unknown[];
    let map: FbMapping;
    beforeEach(() => {
      ({ defio, batches } = framebuffer(4, { delay: 5 }));
      map = defio.mmap(defio.open(), { pgoff: 2, length: 4 * 4096 });
    });

    const calls: [string, (m: FbStoreApi, o: number) => unknown][] = [
      ['setUint8', (m, o) => m.setUint8(o, 1)],
      ['setUint16', (m, o) => m.setUint16(o, 1)],
      ['setUint32', (m, o) => m.setUint32(o, 1)],
      ['getUint8', (m, o) => m.getUint8(o)],
      ['getUint16', (m, o) => m.getUint16(o)],
      ['getUint32', (m, o) => m.getUint32(o)],
      ['write', (m, o) => m.write(o, new Uint8Array(3))],
      ['fill', (m, o) => m.fill(o, 3, 1)],
      ['read', (m, o) => m.read(o, 3)],
      ['access', (m, o) => m.access(o, 3, () => {})],
    ];
    /** the main-thread mapping itself, and a worker-side mapping of it (used from this thread) */
    const sides: [string, (m: FbMapping) => FbStoreApi][] = [
      ['main thread', (m) => m],
      ['worker side', (m) => attachFbMapping(m.share())],
    ];

    for (const [side, view] of sides) {
      for (const [name, call] of calls) {
        it(`${side} ${name}: EINVAL for non-integers, EFAULT outside the mapping, SIGBUS past smem_len`, async () => {
          const target = view(map);
          const before = snapshot(defio, batches);
          for (const o of [1.5, Number.NaN, '8', null] as unknown as number[])
            expectCode('EINVAL', () => call(target, o));
          for (const o of [-1, 4 * 4096, 2 ** 33]) expectCode('EFAULT', () => call(target, o));
          expectCode('SIGBUS', () => call(target, 2 * 4096 + 8));
          // multi-byte accesses straddling into the first page past smem_len
          if (!name.endsWith('Uint8')) expectCode('SIGBUS', () => call(target, 2 * 4096 - 1));
          defio.fsync();
          expect(snapshot(defio, batches)).to.equal(before);
          map.close();
          expectCode('EFAULT', () => call(target, 0));
          defio.fsync();
          expect(snapshot(defio, batches)).to.equal(before);
        });
      }
    }

    it('write/fill/access reject bad payloads with EINVAL', () => {
      const before = snapshot(defio, batches);
      expectCode('EINVAL', () => map.write(0, [1, 2] as never));
      for (const byte of [256, -1, 1.5, Number.NaN]) expectCode('EINVAL', () => map.fill(0, 1, byte));
      expectCode('EINVAL', () => map.access(0, 1, 'x' as never));
      expectCode('EINVAL', () => map.read(0, -1));
      expect(snapshot(defio, batches)).to.equal(before);
    });

    it('a span partly past smem_len enlists nothing', () => {
      const before = snapshot(defio, batches);
      expectCode('SIGBUS', () => map.fill(4096, 8192, 7));
      expect(snapshot(defio, batches)).to.equal(before);
    });

    it('share after close → EFAULT', () => {
      map.close();
      expectCode('EFAULT', () => map.share());
    });
  });

  describe('worker mapping (attachFbMapping, used here on the main thread)', () => {
    function shared(): {
      defio: FbDeferredIo;
      batches: ReturnType<typeof framebuffer>['batches'];
      map: FbMapping;
      desc: WorkerMappingDescriptor;
    } {
      const { defio, batches } = framebuffer(4, { delay: 5 });
      const map = defio.mmap(defio.open(), { pgoff: 2, length: 4 * 4096 });
      return { defio, batches, map, desc: map.share() };
    }

    it('rejects malformed descriptors with EINVAL', () => {
      const { desc } = shared();
      const descs: unknown[] = [
        null,
        { ...desc, memory: new ArrayBuffer(8) },
        { ...desc, state: undefined },
        { ...desc, pageSize: 1000 },
        { ...desc, validEnd: desc.length + 4096 },
        { ...desc, validStart: desc.validEnd + 4096 },
        { ...desc, byteOffset: 1.5 },
        { ...desc, byteOffset: desc.memory.byteLength },
        // a state buffer too small for the mapping's page words, or not whole Int32 words
        { ...desc, state: new SharedArrayBuffer(16 * 4) },
        { ...desc, state: new SharedArrayBuffer(17 * 4 + 1) },
        // lengths and valid ranges that are not whole pages, an empty mapping
        { ...desc, length: desc.length - 1 },
        { ...desc, length: 0, validStart: 0, validEnd: 0 },
        { ...desc, validStart: 1 },
        { ...desc, validEnd: desc.validEnd - 2 },
        // 32-bit stores index a Uint32Array: the mapping must start 4-byte aligned
        { ...desc, byteOffset: desc.byteOffset - 2 },
      ];
      for (const d of descs) expectCode('EINVAL', () => attachFbMapping(d as WorkerMappingDescriptor));
    });

    it('EINVAL / EFAULT / SIGBUS like the main-thread mapping, memory unchanged', () => {
      const { defio, batches, map, desc } = shared();
      const worker = attachFbMapping(desc);
      const before = snapshot(defio, batches);
      for (const o of [1.5, Number.NaN] as number[]) expectCode('EINVAL', () => worker.fill(o, 1, 1));
      expectCode('EFAULT', () => worker.write(4 * 4096 - 1, new Uint8Array(2)));
      expectCode('SIGBUS', () => worker.setUint32(2 * 4096, 1));
      expectCode('SIGBUS', () => worker.getUint8(3 * 4096));
      expectCode('EINVAL', () => worker.fill(0, 1, 300));
      defio.fsync();
      expect(snapshot(defio, batches)).to.equal(before);
      map.close();
      expectCode('EFAULT', () => worker.setUint8(0, 1));
    });

    it('after cleanup worker stores are SIGBUS', () => {
      const { defio, desc } = shared();
      const worker = attachFbMapping(desc);
      defio.cleanup();
      expectCode('SIGBUS', () => worker.setUint8(0, 1));
      expectCode('SIGBUS', () => worker.access(0, 1, () => {}));
    });
  });
});
