import { Rect } from '@fbemu/drm-fb-helper';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { Container } from 'inversify';
import { VirtualTimeScheduler } from 'rxjs';
import { SvgaFifoWriter } from './fifo-writer.js';
import { vmwgfxModule } from './module.js';
import { SvgaHost } from './svga-host.js';
import { SvgaFifo } from './svga-reg.js';
import { bootGuest, recordUpdates, SMALL } from './test-support.js';
import { SVGA_HOST, SVGA_HOST_OPTIONS, VMW_FB, VMW_FB_OPTIONS, type VmwFbOptions } from './tokens.js';
import type { VmwFb } from './vmw-fb.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped ${(e as Error).name}`;
  }
}

const bad = null as never;
const empty = {} as never;

async function vmwRig(fbOptions?: unknown) {
  const scheduler = new VirtualTimeScheduler();
  const c = new Container();
  c.bind(SCHEDULER).toConstantValue(scheduler);
  c.bind(SVGA_HOST_OPTIONS).toConstantValue(SMALL);
  if (fbOptions !== undefined) c.bind(VMW_FB_OPTIONS).toConstantValue(fbOptions as VmwFbOptions);
  await c.load(fbdevDefioModule, vmwgfxModule);
  return { scheduler, host: c.get<SvgaHost>(SVGA_HOST), fb: () => c.get<VmwFb>(VMW_FB) };
}

describe('bad input is a typed EINVAL (vmwgfx)', () => {
  it('SvgaHost options: sizes that are not whole words, negative, fractional, strings, null', () => {
    const cases: [string, unknown][] = [
      ['null', null],
      ['a string', 'big'],
      ['fifoBytes 65537', { fifoBytes: 65537 }],
      ['fifoBytes -1', { fifoBytes: -1 }],
      ['fifoBytes 1.5', { fifoBytes: 1.5 }],
      ['fifoBytes "65536"', { fifoBytes: '65536' }],
      ['fifoBytes NaN', { fifoBytes: Number.NaN }],
      ['fifoBytes 2 ** 33', { fifoBytes: 2 ** 33 }],
      ['fifoBytes below a ring', { fifoBytes: 4096 }],
      ['vramBytes -1', { vramBytes: -1 }],
      ['vramBytes 1.5', { vramBytes: 1.5 }],
      ['vramBytes "16M"', { vramBytes: '16M' }],
      ['vramBytes 2 ** 40', { vramBytes: 2 ** 40 }],
      ['maxWidth NaN', { maxWidth: Number.NaN }],
      ['width "32"', { ...SMALL, width: '32' }],
      ['fifo as bytes', { fifo: new Uint8Array(65536) }],
      ['vram as words', { vram: new Uint32Array(16) }],
    ];
    for (const [what, options] of cases)
      expect(
        codeOf(() => new SvgaHost(options as never)),
        what,
      ).to.equal('EINVAL');
  });

  it('the guest FIFO writer: options, memory and UPDATE arguments; a refused UPDATE leaves no reservation', () => {
    const host = new SvgaHost(SMALL);
    const writer = bootGuest(host);
    const sched = new VirtualTimeScheduler();
    const ctor: [string, () => unknown][] = [
      ['memory null', () => new SvgaFifoWriter(host, bad, sched, {})],
      ['memory {}', () => new SvgaFifoWriter(host, empty, sched, {})],
      ['port null', () => new SvgaFifoWriter(bad, host.memory, sched, {})],
      ['options null', () => new SvgaFifoWriter(host, host.memory, sched, bad)],
      ['pollMs 0 (a busy loop)', () => new SvgaFifoWriter(host, host.memory, sched, { pollMs: 0 })],
      ['timeoutMs -1', () => new SvgaFifoWriter(host, host.memory, sched, { timeoutMs: -1 })],
      ['pollMs "10"', () => new SvgaFifoWriter(host, host.memory, sched, { pollMs: '10' as never })],
    ];
    for (const [what, fn] of ctor) expect(codeOf(fn), what).to.equal('EINVAL');
    const nextCmd = host.memory.fifo[SvgaFifo.NEXT_CMD];
    for (const args of [
      [Number.NaN, 0, 1, 1],
      [0, -1, 1, 1],
      [0, 0, 1.5, 1],
      [0, 0, 1, 2 ** 32],
      ['1', 0, 1, 1],
    ] as const) {
      expect(
        codeOf(() => writer.update(...(args as [number, number, number, number]))),
        `${args}`,
      ).to.equal('EINVAL');
    }
    expect(host.memory.fifo[SvgaFifo.NEXT_CMD]).to.equal(nextCmd);
    expect(writer.update(0, 0, 1, 1)).to.equal(true); // no reservation was left open
  });

  it('VmwFb: options, dirty marks and draw ops; nothing becomes dirty', async () => {
    for (const [what, options] of [
      ['null', null],
      ['a number', 3],
      ['width "32"', { width: '32' }],
      ['height 1.5', { height: 1.5 }],
      ['delay -1', { delay: -1 }],
    ] as const) {
      const { fb } = await vmwRig(options);
      expect(codeOf(fb), what).to.equal('EINVAL');
    }
    const { fb: get, scheduler, host } = await vmwRig({ width: 32, height: 24 });
    const fb = get();
    scheduler.flush();
    const updates = recordUpdates(host);
    const calls: [string, () => unknown][] = [
      ['dirtyMark(null)', () => fb.dirtyMark(bad)],
      ['dirtyMark({})', () => fb.dirtyMark(empty)],
      ['fillrect(null)', () => fb.fillrect(bad)],
      ['copyarea({})', () => fb.copyarea(empty)],
      ['imageblit(null)', () => fb.imageblit(bad)],
      ['panDisplay(NaN, 0)', () => fb.panDisplay(Number.NaN, 0)],
    ];
    for (const [what, fn] of calls) expect(codeOf(fn), what).to.equal('EINVAL');
    expect(fb.pendingDirty.isEmpty()).to.equal(true);
    scheduler.flush();
    expect(updates).to.deep.equal([]);
    fb.dirtyMark(new Rect(0, 0, 1, 1));
    scheduler.flush();
    expect(updates.map(String)).to.deep.equal(['(0,0,1,1)']);
  });
});
