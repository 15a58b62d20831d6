import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { FbDeferredIo } from './fb-deferred-io.js';
import type { FbMapping } from './fb-mapping.js';
import { isKernelError } from './gem.js';
import { fbInfo, pagesOf } from './test-fixtures.js';
import type { FbFile, FbStoreApi } from './tokens.js';
import { attachFbMapping, type WorkerFbMapping } from './worker-mapping.js';

/**
 * Model-based test: random sequences of open/mmap/store/load/advance/fsync/munmap/release/cleanup,
 * the write() path, and worker-side stores (share + attachFbMapping, driven from this thread)
 * run against FbDeferredIo and against the small reference model below, written from
 * kernel-semantics.md §1 and invariants 1–15 and the worker protocol of design.md §4, not from
 * the implementation. The run is synchronous, so worker doorbells are never observed: worker
 * pages reach the core only through the synchronous paths (fsync, last close, munmap, cleanup,
 * and the take at each writeback) — exactly the paths that must not lose them.
 */
const PAGES = 6;
const PS = 4096;
const ABSENT = 0;
const RO = 1;
const RW = 2;

interface ModelChannel {
  /** mapping pages whose dirty bit is set, and those the core has already enlisted */
  bits: Set<number>;
  seen: Set<number>;
  state: 'live' | 'unmapped' | 'detached';
}
interface ModelMapping {
  first: number;
  pages: number;
  pte: number[];
  file: number;
  closed: boolean;
  channel?: ModelChannel;
}
interface ModelFile {
  refs: number;
  open: boolean;
}
interface Batch {
  pages: number[];
  armedAt: number;
  flushedAt: number;
  cycle: number;
}

class Model {
  now = 0;
  memory = new Uint8Array(PAGES * PS);
  files: ModelFile[] = [];
  maps: ModelMapping[] = [];
  /** live worker channels, in share order; workers[w] = the mapping worker w writes through */
  channels: ModelMapping[] = [];
  workers: number[] = [];
  openCount = 0;
  list: number[] = [];
  deadline: number | undefined;
  armedAt = 0;
  cycle = 0;
  detached = false;
  batches: Batch[] = [];

  constructor(
    readonly delay: number,
    readonly sorted: boolean,
  ) {}

  open(): string | number {
    if (this.detached) return 'ENODEV';
    this.openCount++;
    return this.files.push({ refs: 1, open: true }) - 1;
  }

  release(f: number): string | undefined {
    const file = this.files[f];
    if (!file?.open) return 'EINVAL';
    file.open = false;
    this.put(file);
  }

  mmap(f: number, pgoff: number, fileBase: number, pages: number): string | number {
    const file = this.files[f];
    if (!file?.open) return 'EINVAL';
    if (this.detached) return 'ENODEV';
    file.refs++;
    return (
      this.maps.push({
        first: pgoff - fileBase,
        pages,
        pte: new Array(pages).fill(ABSENT),
        file: f,
        closed: false,
      }) - 1
    );
  }

  munmap(m: number): void {
    const map = this.maps[m];
    if (map.closed) return;
    if (map.channel?.state === 'live') {
      map.channel.state = 'unmapped';
      this.channels = this.channels.filter((c) => c !== map);
      this.collect(map);
    }
    map.closed = true;
    map.pte.fill(ABSENT);
    this.put(this.files[map.file]);
  }

  /** a store of `length` bytes (fill) at mapping byte `offset` */
  store(m: number, offset: number, length: number, byte: number): string | undefined {
    const map = this.maps[m];
    if (map.closed || offset + length > map.pages * PS) return 'EFAULT';
    if (length === 0) return;
    const p0 = Math.floor(offset / PS);
    const p1 = Math.floor((offset + length - 1) / PS);
    if (this.detached || map.first + p0 < 0 || map.first + p1 >= PAGES) return 'SIGBUS';
    for (let p = p0; p <= p1; p++) {
      if (map.pte[p] === RW) continue;
      this.enlist(map.first + p);
      map.pte[p] = RW;
    }
    const at = map.first * PS + offset;
    this.memory.fill(byte, at, at + length);
  }

  load(m: number, offset: number): string | number {
    const map = this.maps[m];
    if (map.closed || offset >= map.pages * PS) return 'EFAULT';
    const p = Math.floor(offset / PS);
    if (map.pte[p] === ABSENT) {
      if (this.detached || map.first + p < 0 || map.first + p >= PAGES) return 'SIGBUS';
      map.pte[p] = RO;
    }
    return this.memory[map.first * PS + offset];
  }

  /** the fbdev write() path: enlist the range's pages like stores, without a mapping */
  markDirty(offset: number, length: number): string | undefined {
    if (this.detached) return 'ENODEV';
    if (offset + length > PAGES * PS) return 'EINVAL';
    if (length === 0) return;
    for (let p = Math.floor(offset / PS); p <= Math.floor((offset + length - 1) / PS); p++) this.enlist(p);
  }

  share(m: number): string | number {
    const map = this.maps[m];
    if (map.closed) return 'EFAULT';
    if (!map.channel) {
      if (this.detached) return 'SIGBUS';
      map.channel = { bits: new Set(), seen: new Set(), state: 'live' };
      this.channels.push(map);
    }
    return this.workers.push(m) - 1;
  }

  /** a worker-side store: data, then the page bits; an empty one touches no page (as on the main thread) */
  workerStore(w: number, offset: number, length: number, byte: number): string | undefined {
    const map = this.maps[this.workers[w]];
    if (length === 0)
      return map.channel?.state === 'unmapped' || offset > map.pages * PS ? 'EFAULT' : undefined;
    const refused = this.workerRefusal(map, offset, length, true);
    if (refused) return refused;
    const at = map.first * PS + offset;
    this.memory.fill(byte, at, at + length);
    for (let p = Math.floor(offset / PS); p <= Math.floor((offset + length - 1) / PS); p++)
      map.channel?.bits.add(p);
  }

  workerLoad(w: number, offset: number): string | number {
    const map = this.maps[this.workers[w]];
    return this.workerRefusal(map, offset, 1, false) ?? this.memory[map.first * PS + offset];
  }

  advance(dt: number): void {
    const target = this.now + dt;
    if (this.deadline !== undefined && this.deadline <= target) {
      this.now = this.deadline;
      this.writeback();
    }
    this.now = target;
  }

  /** fsync / last close: collect the workers' fresh bits, then run a pending writeback */
  fsync(): void {
    for (const map of this.channels) this.collect(map);
    if (this.deadline !== undefined) this.writeback();
  }

  cleanup(): void {
    if (this.detached) return;
    this.fsync();
    this.detached = true;
    for (const map of this.channels) if (map.channel) map.channel.state = 'detached';
    this.channels = [];
  }

  private workerRefusal(
    map: ModelMapping,
    offset: number,
    length: number,
    store: boolean,
  ): string | undefined {
    const state = map.channel?.state;
    if (state === 'unmapped') return 'EFAULT';
    const firstValid = Math.min(Math.max(0, -map.first), map.pages);
    const endValid = Math.max(firstValid, Math.min(map.pages, PAGES - map.first));
    const valid = offset >= firstValid * PS && offset + length <= endValid * PS;
    if (valid) return store && state === 'detached' ? 'SIGBUS' : undefined;
    return offset + length > map.pages * PS ? 'EFAULT' : 'SIGBUS';
  }

  /** the doorbell path: enlist (and arm) every page whose bit rose since the last look */
  private collect(map: ModelMapping): void {
    const channel = map.channel as ModelChannel;
    for (const p of [...channel.bits].sort((a, b) => a - b)) {
      if (channel.seen.has(p)) continue;
      channel.seen.add(p);
      this.enlist(map.first + p);
    }
  }

  /** the writeback's take: bits not yet seen join this batch; all bits are cleared */
  private take(map: ModelMapping): void {
    const channel = map.channel as ModelChannel;
    for (const p of [...channel.bits].sort((a, b) => a - b)) {
      if (!channel.seen.has(p) && !this.list.includes(map.first + p)) this.list.push(map.first + p);
    }
    channel.bits.clear();
    channel.seen.clear();
  }

  private enlist(page: number): void {
    if (this.list.includes(page)) return;
    this.list.push(page);
    if (this.deadline !== undefined) return;
    this.deadline = this.now + this.delay;
    this.armedAt = this.now;
  }

  private writeback(): void {
    for (const map of this.channels) this.take(map);
    const pages = this.sorted ? [...this.list].sort((a, b) => a - b) : this.list;
    for (const map of this.maps) {
      for (const page of pages) {
        const p = page - map.first;
        if (p >= 0 && p < map.pages && map.pte[p] === RW) map.pte[p] = RO;
      }
    }
    this.batches.push({ pages, armedAt: this.armedAt, flushedAt: this.now, cycle: ++this.cycle });
    this.list = [];
    this.deadline = undefined;
  }

  private put(file: ModelFile): void {
    if (--file.refs > 0) return;
    if (--this.openCount === 0) this.fsync();
  }
}

type Command =
  | { op: 'open' }
  | { op: 'release'; file: number }
  | { op: 'mmap'; file: number; pgoff: number; fileBase: number; pages: number }
  | { op: 'munmap'; map: number }
  | { op: 'store'; map: number; offset: number; length: number; byte: number }
  | { op: 'load'; map: number; offset: number }
  | { op: 'markDirty'; offset: number; length: number }
  | { op: 'share'; map: number }
  | { op: 'wstore'; worker: number; offset: number; length: number; byte: number }
  | { op: 'wload'; worker: number; offset: number }
  | { op: 'advance'; dt: number }
  | { op: 'fsync' }
  | { op: 'cleanup' };

/** an index into the files or mappings made so far (taken modulo their count) */
const small = fc.nat({ max: 7 });
const offset = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: PAGES * PS }) },
  { weight: 1, arbitrary: fc.nat({ max: PAGES + 2 }).map((p) => Math.max(0, p * PS - 2)) },
);
/** every sequence starts with a file and a whole-framebuffer mapping, so most stores land */
const prologue: Command[] = [{ op: 'open' }, { op: 'mmap', file: 0, pgoff: 0, fileBase: 0, pages: PAGES }];
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ op: 'open' as const }) },
  { weight: 1, arbitrary: small.map((file) => ({ op: 'release' as const, file })) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('mmap' as const),
      file: small,
      pgoff: fc.nat({ max: PAGES + 2 }),
      fileBase: fc.nat({ max: 2 }),
      pages: fc.integer({ min: 1, max: PAGES + 1 }),
    }),
  },
  { weight: 1, arbitrary: small.map((map) => ({ op: 'munmap' as const, map })) },
  {
    weight: 20,
    arbitrary: fc.record({
      op: fc.constant('store' as const),
      map: small,
      offset,
      length: fc.oneof(fc.constant(1), fc.constant(4), fc.nat({ max: 2 * PS })),
      byte: fc.nat({ max: 255 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('load' as const), map: small, offset }) },
  { weight: 8, arbitrary: fc.nat({ max: 12 }).map((dt) => ({ op: 'advance' as const, dt })) },
  { weight: 2, arbitrary: fc.constant({ op: 'fsync' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('markDirty' as const), offset, length: fc.nat({ max: 2 * PS }) }),
  },
  { weight: 2, arbitrary: small.map((map) => ({ op: 'share' as const, map })) },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('wstore' as const),
      worker: small,
      offset,
      length: fc.oneof(fc.constant(1), fc.constant(4), fc.nat({ max: 2 * PS })),
      byte: fc.nat({ max: 255 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('wload' as const), worker: small, offset }) },
  { weight: 1, arbitrary: fc.constant({ op: 'cleanup' as const }) },
);

/** `length` bytes of `byte` at `offset`, through whichever store entry point fits (all must agree). */
function spanStore(m: FbStoreApi, offset: number, length: number, byte: number): void {
  if (length === 1) m.setUint8(offset, byte);
  else if (length === 4 && offset % 4 === 0) m.setUint32(offset, byte * 0x01010101);
  else if (byte % 3 === 0) m.fill(offset, length, byte);
  else if (byte % 3 === 1) m.write(offset, new Uint8Array(length).fill(byte));
  else m.access(offset, length, (view) => view.fill(byte));
}

/** Runs `fn`; returns its value, or the KernelError code it threw. */
function outcome<T>(fn: () => T): T | string | undefined {
  try {
    return fn();
  } catch (e) {
    if (isKernelError(e)) return e.code;
    throw e;
  }
}

function run(delay: number, sorted: boolean, commands: Command[]): void {
  const scheduler = new VirtualTimeScheduler();
  const defio = new FbDeferredIo(fbInfo(PAGES * PS), { delay, sortPagereflist: sorted }, scheduler);
  const batches: Batch[] = [];
  defio.pagerefs$.subscribe((b) =>
    batches.push({ pages: pagesOf(b), armedAt: b.armedAt, flushedAt: b.flushedAt, cycle: b.cycle }),
  );
  const model = new Model(delay, sorted);
  const files: FbFile[] = [];
  const maps: FbMapping[] = [];
  const workers: WorkerFbMapping[] = [];
  for (const [step, c] of [...prologue, ...commands].entries()) {
    const where = `step ${step}: ${JSON.stringify(c)}`;
    let real: unknown;
    let expected: unknown;
    switch (c.op) {
      case 'open':
        expected = model.open();
        real = outcome(() => files.push(defio.open()) - 1);
        break;
      case 'release':
        if (files.length === 0) continue;
        expected = model.release(c.file % files.length);
        real = outcome(() => defio.release(files[c.file % files.length]));
        break;
      case 'mmap':
        if (files.length === 0) continue;
        expected = model.mmap(c.file % files.length, c.pgoff, c.fileBase, c.pages);
        real = outcome(
          () => maps.push(defio.mmap(files[c.file % files.length], { ...c, length: c.pages * PS })) - 1,
        );
        break;
      case 'munmap':
        if (maps.length === 0) continue;
        model.munmap(c.map % maps.length);
        maps[c.map % maps.length].close();
        break;
      case 'store': {
        if (maps.length === 0) continue;
        const m = maps[c.map % maps.length];
        expected = model.store(c.map % maps.length, c.offset, c.length, c.byte);
        real = outcome(() => spanStore(m, c.offset, c.length, c.byte));
        break;
      }
      case 'load':
        if (maps.length === 0) continue;
        expected = model.load(c.map % maps.length, c.offset);
        real = outcome(() => maps[c.map % maps.length].getUint8(c.offset));
        break;
      case 'share':
        if (maps.length === 0) continue;
        expected = model.share(c.map % maps.length);
        real = outcome(() => workers.push(attachFbMapping(maps[c.map % maps.length].share())) - 1);
        break;
      case 'wstore': {
        if (workers.length === 0) continue;
        const w = workers[c.worker % workers.length];
        expected = model.workerStore(c.worker % workers.length, c.offset, c.length, c.byte);
        real = outcome(() => spanStore(w, c.offset, c.length, c.byte));
        break;
      }
      case 'wload':
        if (workers.length === 0) continue;
        expected = model.workerLoad(c.worker % workers.length, c.offset);
        real = outcome(() => workers[c.worker % workers.length].getUint8(c.offset));
        break;
      case 'markDirty':
        expected = model.markDirty(c.offset, c.length);
        real = outcome(() => defio.markDirty(c.offset, c.length));
        break;
      case 'advance':
        model.advance(c.dt);
        scheduler.maxFrames = scheduler.frame + c.dt;
        scheduler.flush();
        scheduler.frame = scheduler.maxFrames;
        break;
      case 'fsync':
        model.fsync();
        defio.fsync();
        break;
      case 'cleanup':
        model.cleanup();
        defio.cleanup();
        break;
    }
    expect(real, where).to.equal(expected);
    expect(batches, where).to.deep.equal(model.batches);
    expect(defio.pending, where).to.equal(model.deadline !== undefined);
    expect(defio.openFiles, where).to.equal(model.openCount);
  }
  expect(Buffer.from(defio.memory.memory).equals(model.memory)).to.equal(true);
}

describe('FbDeferredIo against a reference model (fast-check)', () => {
  it('agrees on batches, timing, errors, loads and memory over 10,000 random sequences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.boolean(), fc.array(command, { maxLength: 40 }), run),
      { numRuns: 10_000 },
    );
  });
});
