import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { buildTestClient, type Run, runClient, type Served, serve } from './test-device.js';
import type { TrackingMode } from './tokens.js';

/**
 * End-to-end: a real C program (native/test/client.c) under the preload library, the real
 * kernel's userfaultfd / PAGEMAP_SCAN / mprotect, the front door and fbdev-defio's core. Real
 * time, waiting on events (process exit, last release), never on sleeps.
 */
const MODES: TrackingMode[] = ['async', 'sync', 'mprotect'];
const EFAULT = '14';

/** every page of the consumer's copy (built from batches only) equals device memory */
function differingPages(s: Served): number[] {
  const mem = new Uint8Array(s.device.memory.buffer);
  const diff: number[] = [];
  for (let off = 0; off < mem.length; off += 4096) {
    if (Buffer.compare(mem.subarray(off, off + 4096), s.device.copy.subarray(off, off + 4096)) !== 0)
      diff.push(off / 4096);
  }
  return diff;
}

async function finished(s: Served, run: Promise<Run>): Promise<Run> {
  const r = await run;
  await s.device.whenIdle();
  return r;
}

describe('front door: a real program on a registered device node', function () {
  this.timeout(120_000);
  let s: Served;
  before(() => buildTestClient());
  afterEach(() => s?.close());

  it('answers open/stat/access/ioctl/read/write/lseek/dup/fsync/close, EFAULT for bad pointers', async () => {
    s = serve('async');
    const { out, code } = await finished(s, runClient(s.door.env(), ['node', s.path]));
    expect(code).to.equal(0);
    expect([out.access, out.stat, out.rdev, out.chr]).to.deep.equal(['0', '0', '240:3', '1']);
    expect([out.fstat, out.frdev, out.fchr]).to.deep.equal(['0', '240:3', '1']);
    expect([out.get, out.size]).to.deep.equal(['0:0', String(64 * 4096)]);
    expect(out.value2).to.equal(String(0xc0ffee), 'TESTDEV_SET read the u32 from the program');
    expect(out.get_bad).to.equal(`-1:${EFAULT}`);
    expect(out.set_bad).to.equal(`-1:${EFAULT}`);
    expect(out.get_straddle).to.equal(`-1:${EFAULT}`);
    expect(out.straddle_untouched).to.equal('1', 'an EFAULT copy_to_user wrote nothing');
    expect(out.unknown).to.equal('-1:25');
    expect([out.pwrite, out.lseek, out.read, out.readback]).to.deep.equal(['7:0', '100:0', '7:0', 'ABCDEFG']);
    expect(out.read_bad).to.equal(`-1:${EFAULT}`);
    expect([out.get_dup, out.dupfd, out.fsync]).to.deep.equal(
      ['0:0', '50:0', '0:0'],
      'dups share the open file',
    );
    expect(out.get_closed).to.equal('-1:9');
    expect([out.fopen, out.fileno_get]).to.deep.equal(['1', '0:0']);
    expect(s.device.pagesWritten()).to.deep.equal([0], 'the pwrite at 100 dirtied page 0, flushed by fsync');
    expect(s.device.opens).to.equal(0);
  });

  it('hands queued records to the program natively: poll and read, as many whole records as fit per read', async () => {
    s = serve('async');
    const { out } = await runClient(s.door.env(), ['events', '/dev/fbemu-events0']);
    expect([out.queue, out.poll, out.read1, out.read2]).to.deep.equal(['0:0', '1:0', '5:0', '6:0']);
    expect([out.rec1, out.rec2]).to.deep.equal(['hello', 'world!'], 'a record that does not fit waits whole');
    expect([out.queue2, out.poll2, out.read3]).to.deep.equal(['0:0', '1:0', '11:0']);
    expect(out.rec3).to.equal('helloworld!', 'one read takes every queued record that fits');
  });

  it('a read of an input device that finds half a frame waits for its EV_SYN, as evdev hands out whole packets', async () => {
    s = serve('async');
    const { out } = await runClient(s.door.env(), ['frame', '/dev/fbemu-input0']);
    expect([out.queue_abs, out.queue_syn]).to.deep.equal(['0:0', '0:0']);
    expect(out.read).to.equal('48:0', 'ABS_X and the SYN_REPORT queued while the read waited');
    expect(out.second_type).to.equal('0');
  });

  for (const mode of MODES) {
    describe(`store tracking: ${mode}`, () => {
      it('delivers exactly the pages written through the mapping (loads never enlist)', async () => {
        s = serve(mode);
        const { out } = await finished(
          s,
          runClient(s.door.env(), ['pages', s.path, '16', '1', '3', '3', '9', '15']),
        );
        expect(out.fsync).to.equal('0:0');
        expect(s.device.pagesWritten().sort((a, b) => a - b)).to.deep.equal([1, 3, 9, 15]);
        expect(differingPages(s)).to.deep.equal([]);
        expect(s.logs.filter((l) => !l.includes('front door on'))).to.deep.equal(
          [],
          'the mode asked for was used',
        );
      });

      it('takes offsets from the mapping pgoff: mapping page 0 at file page 5 is device page 5', async () => {
        s = serve(mode);
        const { out } = await finished(s, runClient(s.door.env(), ['pages', s.path, '4@5', '0', '3']));
        expect(out.fsync).to.equal('0:0');
        expect(s.device.pagesWritten().sort((a, b) => a - b)).to.deep.equal([5, 8]);
        expect(differingPages(s)).to.deep.equal([]);
      });

      it('a store with no fsync or close is delivered by the writeback timer while the program runs', async () => {
        s = serve(mode);
        const firstBatch = firstValueFrom(s.device.defio.pagerefs$);
        const run = await runClient(s.door.env(), ['hold', s.path], (line, stdin) => {
          if (line === 'mapped=1') void firstBatch.then(() => stdin.end());
        });
        const batch = await firstBatch;
        expect(batch.pagerefs.map((p) => p.offset)).to.deep.equal([0]);
        expect([run.code, run.out.stored_after]).to.deep.equal([0, '1']);
      });

      const cycles = mode === 'mprotect' ? 30 : 80;
      for (const seed of [3, 1234567]) {
        it(`4 writer threads + write/pwrite/fsync/remap/reopen at random (seed ${seed}): 0 bytes lost`, async () => {
          s = serve(mode, 64, 5);
          const run = runClient(s.door.env(), [
            'stress',
            s.path,
            '64',
            String(seed),
            '4',
            String(cycles),
            '0',
          ]);
          const { out, code } = await finished(s, run);
          expect([code, out.done]).to.deep.equal([0, '1']);
          expect(s.device.batches.length).to.be.greaterThan(1);
          expect(differingPages(s)).to.deep.equal([]);
        });
      }

      it('the same with the program SIGKILLed mid-run: its written pages are collected at exit', async () => {
        s = serve(mode, 64, 5);
        const run = runClient(s.door.env(), [
          'stress',
          s.path,
          '64',
          '77',
          '4',
          String(cycles),
          String(cycles / 2),
        ]);
        const { signal } = await finished(s, run);
        expect(signal).to.equal('SIGKILL');
        expect(differingPages(s)).to.deep.equal([]);
        expect(s.door.processes).to.equal(0);
      });

      for (const step of [1, 2, 3, 4, 5]) {
        it(`a program that exits at step ${step} (open, ioctl, mmap, store, close): files released, stores delivered`, async () => {
          s = serve(mode);
          const { code } = await finished(s, runClient(s.door.env(), ['exit', s.path, String(step)]));
          expect(code).to.equal(0);
          const pages = new Set(s.device.pagesWritten());
          // async loses the written bits with the page tables: every page of a mapping that was
          // not unmapped counts as written; the other modes keep exact bits in shared memory
          const mapped = mode === 'async' ? [0, 1, 2, 3] : [];
          const expected = step < 3 ? [] : step === 3 ? mapped : mode === 'async' ? mapped : [0, 3];
          expect([...pages].sort((a, b) => a - b)).to.deep.equal(expected);
          expect(differingPages(s)).to.deep.equal([]);
        });
      }

      it('a fork child opens and maps the device on its own connection; its inherited mapping stays usable', async () => {
        s = serve(mode);
        const { out, code } = await finished(s, runClient(s.door.env(), ['fork', s.path]));
        expect([code, out.child_ok, out.child_fsync, out.parent_fsync]).to.deep.equal([0, '1', '0:0', '0:0']);
        const pages = new Set(s.device.pagesWritten());
        // pages 0, 2, 3 are tracked stores; page 1 was stored by the child into the inherited
        // (untracked) mapping and is only delivered when a tracked store shares its cycle
        expect([pages.has(0), pages.has(2), pages.has(3)]).to.deep.equal([true, true, true]);
        const mem = new Uint32Array(s.device.memory.buffer);
        expect([mem[0], mem[1024], mem[2048], mem[3072]]).to.deep.equal([1, 2, 3, 4]);
      });

      it("device cleanup revokes the mapping: the program's next store is SIGBUS", async () => {
        s = serve(mode);
        const run = await runClient(s.door.env(), ['hold', s.path], (line, stdin) => {
          if (line !== 'mapped=1') return;
          s.device.defio.cleanup();
          stdin.end();
        });
        expect([run.signal, run.out.stored_after]).to.deep.equal(['SIGBUS', undefined]);
        expect(s.device.pagesWritten()).to.deep.equal([0], 'cleanup flushed the store made before it');
      });
    });
  }

  it('refuses absurd mmaps with an errno; a mapping past the device is SIGBUS there', async () => {
    s = serve('async');
    const { out, signal } = await runClient(s.door.env(), ['absurd', s.path]);
    expect([out.len0, out.len1, out.len2]).to.deep.equal(['-1:22', '-1:12', '-1:12']);
    expect(out.len3).to.equal('-1:12');
    expect(out.unaligned).to.equal('-1:22');
    expect(out.far).to.equal('-1:22');
    expect([out.long, out.head]).to.deep.equal(['0', '42']);
    expect([signal, out.tail_written]).to.deep.equal(['SIGBUS', undefined]);
    const again = await finished(s, runClient(s.door.env(), ['node', s.path]));
    expect(again.out.get).to.equal('0:0', 'the server keeps serving');
  });

  it('answers garbage on the socket with errors and keeps serving', async () => {
    s = serve('async');
    const env = s.door.env();
    const { out } = await runClient(env, ['garbage', env.FBEMU_SOCKET]);
    expect(out.answered).to.equal('200');
    expect(Number(out.errors)).to.be.greaterThan(150);
    const again = await finished(s, runClient(env, ['node', s.path]));
    expect(again.out.get).to.equal('0:0');
  });

  it('refuses to map memory no process can map (no memfd: ENODEV) and says why', async () => {
    s = serve('async');
    const { out, code } = await runClient(s.door.env(), ['pages', '/dev/fbemu-plain0', '1', '0']);
    expect([code, out.mmap_errno]).to.deep.equal([2, '19']);
    expect(s.logs.some((l) => l.includes('not process-mappable'))).to.equal(true);
  });

  it('a program without the server gets ENXIO for the device, and other files work', async () => {
    s = serve('async');
    const env = { ...s.door.env(), FBEMU_SOCKET: '/nonexistent/socket' };
    const { out } = await runClient(env, ['node', s.path]);
    expect([out.access, out.open]).to.deep.equal(['0', '-1:6']);
  });
});
