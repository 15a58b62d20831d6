import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { Container } from 'inversify';
import { vmwgfxModule } from './module.js';
import { SvgaHost } from './svga-host.js';
import { SVGA_INDEX_PORT, SVGA_VALUE_PORT, SvgaCmd, SvgaFifo, SvgaReg } from './svga-reg.js';
import { bootGuest, expectSurface, patternVram, pushWords, recordUpdates, SMALL } from './test-support.js';
import { SVGA_HOST, SVGA_HOST_OPTIONS, SVGA_MEMORY, SVGA_PORT } from './tokens.js';
import { UPDATE_QUEUE_CAPACITY } from './update-queue.js';

function setup() {
  const host = new SvgaHost(SMALL);
  const writer = bootGuest(host);
  host.refresh(); // the full redraw that enabling the device asks for
  patternVram(host.memory.vram);
  const updates = recordUpdates(host);
  const fifo = host.memory.fifo;
  return { host, writer, updates, fifo };
}

const FULL = new Rect(0, 0, 32, 24);
const stop = (fifo: Uint32Array) => fifo[SvgaFifo.STOP]!;
const next = (fifo: Uint32Array) => fifo[SvgaFifo.NEXT_CMD]!;

describe('SvgaHost', () => {
  it('an UPDATE copies exactly its rect from VRAM to the surface, on the SYNC write', () => {
    const { host, writer, updates, fifo } = setup();
    const before = host.surface.bytes.slice();
    expect(writer.update(3, 2, 5, 4)).to.equal(true);
    expect(updates.map(String)).to.deep.equal([new Rect(3, 2, 8, 6).toString()]);
    expectSurface(host.surface, host.memory.vram, before, updates);
    expect(stop(fifo)).to.equal(next(fifo));
    expect(host.readRegister(SvgaReg.BUSY)).to.equal(0);
  });

  it('consumes nothing until enabled and configured, then on the next refresh tick', () => {
    const host = new SvgaHost(SMALL);
    const writer = bootGuest(host);
    host.writeRegister(SvgaReg.ENABLE, 0);
    const updates = recordUpdates(host);
    writer.update(0, 0, 1, 1);
    expect(updates).to.deep.equal([]);
    expect(stop(host.memory.fifo)).to.not.equal(next(host.memory.fifo));
    host.writeRegister(SvgaReg.ENABLE, 1);
    host.refresh();
    // enabling invalidates the display: one full redraw covers the queued rect
    expect(updates.map(String)).to.deep.equal([FULL.toString()]);
    expect(stop(host.memory.fifo)).to.equal(next(host.memory.fifo));
  });

  it('rewinds a partial UPDATE to its first word and completes it on a later pass', () => {
    const { host, updates, fifo } = setup();
    const start = stop(fifo);
    pushWords(fifo, [SvgaCmd.UPDATE, 1, 1, 2, 2], 3); // header + x + y visible, w/h not yet
    host.writeRegister(SvgaReg.SYNC, 1);
    expect(updates).to.deep.equal([]);
    expect(stop(fifo)).to.equal(start);
    expect(host.lastPass.rewound).to.equal(true);
    fifo[SvgaFifo.NEXT_CMD] = start + 20;
    host.refresh();
    expect(updates.map(String)).to.deep.equal([new Rect(1, 1, 3, 3).toString()]);
    expect(stop(fifo)).to.equal(start + 20);
  });

  it('decodes a command that spans the end of the ring', () => {
    const { updates, fifo, writer } = setup();
    const { min, max } = writer.ring;
    const before = Math.floor((max - min) / 20); // whole UPDATEs before the end of the ring
    for (let i = 0; i < before; i++) writer.update(0, 0, 1, 1);
    expect(next(fifo)).to.equal(max - ((max - min) % 20));
    expect(writer.update(4, 5, 6, 7)).to.equal(true);
    expect(next(fifo)).to.equal(min + 20 - ((max - min) % 20));
    expect(updates.at(-1)!.toString()).to.equal(new Rect(4, 5, 10, 12).toString());
    expect(stop(fifo)).to.equal(next(fifo));
  });

  const badRects: [string, number[]][] = [
    ['negative x', [-1, 0, 4, 4]],
    ['negative width', [0, 0, -4, 4]],
    ['x + width beyond the surface', [30, 0, 4, 4]],
    ['height beyond the surface', [0, 0, 4, 25]],
    ['huge width that overflows 32 bits with x', [0x7fffffff, 0, 0x7fffffff, 1]],
    ['unsigned huge y', [0, 0xfffffff0, 1, 1]],
  ];
  for (const [what, rect] of badRects) {
    it(`turns an UPDATE with ${what} into a full-screen update`, () => {
      const { host, updates, fifo } = setup();
      const before = host.surface.bytes.slice();
      pushWords(fifo, [SvgaCmd.UPDATE, ...rect]);
      host.refresh();
      expect(updates.map(String)).to.deep.equal([FULL.toString()]);
      expectSurface(host.surface, host.memory.vram, before, updates);
    });
  }

  it('drops an empty UPDATE without touching the surface', () => {
    const { host, updates, fifo } = setup();
    pushWords(fifo, [SvgaCmd.UPDATE, 5, 5, 0, 3]);
    host.refresh();
    expect(updates).to.deep.equal([]);
    expect(stop(fifo)).to.equal(next(fifo));
  });

  it('parses UPDATE_VERBOSE with its reason word (6 words), unlike QEMU', () => {
    const { host, updates, fifo } = setup();
    // reason = 1 would be an UPDATE header if parsed as a command
    pushWords(fifo, [SvgaCmd.UPDATE_VERBOSE, 0, 0, 2, 2, SvgaCmd.UPDATE, SvgaCmd.UPDATE, 1, 1, 1, 1]);
    host.refresh();
    expect(updates.map(String)).to.deep.equal([
      new Rect(0, 0, 2, 2).toString(),
      new Rect(1, 1, 2, 2).toString(),
    ]);
    expect(host.lastPass.commands).to.equal(2);
  });

  it('consumes FENCE with its value and records it', () => {
    const { host, updates, fifo } = setup();
    pushWords(fifo, [SvgaCmd.FENCE, SvgaCmd.UPDATE, SvgaCmd.UPDATE, 2, 2, 1, 1]);
    host.refresh();
    expect(host.lastFence).to.equal(SvgaCmd.UPDATE);
    expect(updates.map(String)).to.deep.equal([new Rect(2, 2, 3, 3).toString()]);
  });

  it('consumes only the command word of an unknown command (QEMU), counting it as bad', () => {
    const { host, updates, fifo } = setup();
    pushWords(fifo, [0xdeadbeef, SvgaCmd.UPDATE, 0, 0, 1, 1]);
    host.refresh();
    expect(host.lastPass.badCommands).to.equal(1);
    expect(host.lastPass.commands).to.equal(2);
    expect(updates.map(String)).to.deep.equal([new Rect(0, 0, 1, 1).toString()]);
  });

  it('skips unsupported commands of known size by their argument count', () => {
    const { host, updates, fifo } = setup();
    pushWords(fifo, [SvgaCmd.RECT_COPY, 1, 1, 1, 1, 1, 1, SvgaCmd.UPDATE, 0, 0, 1, 2]);
    host.refresh();
    expect(host.lastPass.badCommands).to.equal(0);
    expect(updates.map(String)).to.deep.equal([new Rect(0, 0, 1, 2).toString()]);
  });

  it('skips a DEFINE_CURSOR with its masks and rewinds one whose masks are not all there', () => {
    const { host, updates, fifo } = setup();
    // 32 x 2 cursor at 32 bpp: mask 1 x 2 words, image 32 x 2 words
    const cursor = [SvgaCmd.DEFINE_CURSOR, 0, 0, 0, 32, 2, 1, 32, ...new Array(2 + 64).fill(SvgaCmd.UPDATE)];
    const start = stop(fifo);
    pushWords(fifo, [...cursor, SvgaCmd.UPDATE, 0, 0, 3, 3], cursor.length - 1);
    host.refresh();
    expect(stop(fifo)).to.equal(start);
    expect(updates).to.deep.equal([]);
    fifo[SvgaFifo.NEXT_CMD] = start + (cursor.length + 5) * 4;
    host.refresh();
    expect(updates.map(String)).to.deep.equal([new Rect(0, 0, 3, 3).toString()]);
  });

  it('treats an oversized cursor as a bad command instead of waiting for it forever', () => {
    const { host, updates, fifo } = setup();
    // QEMU rewinds a DEFINE_ALPHA_CURSOR whose w × h exceeds what is available, every pass
    pushWords(fifo, [SvgaCmd.DEFINE_ALPHA_CURSOR, 0, 0, 0, 200, 200, SvgaCmd.UPDATE, 1, 2, 3, 4]);
    host.refresh();
    expect(host.lastPass.badCommands).to.equal(1);
    expect(updates.map(String)).to.deep.equal([new Rect(1, 2, 4, 6).toString()]);
    pushWords(fifo, [SvgaCmd.DEFINE_CURSOR, 0, 0, 0, 257, 1, 1, 32, SvgaCmd.UPDATE, 0, 0, 1, 1]);
    host.refresh();
    expect(host.lastPass.badCommands).to.equal(1);
    expect(updates).to.have.length(2);
  });

  it('processes at most 1023 commands per pass; the rest waits for the next pass', () => {
    const { host, fifo } = setup();
    pushWords(fifo, new Array(1100).fill(SvgaCmd.NOP));
    host.refresh();
    expect(host.lastPass.commands).to.equal(1023);
    expect(next(fifo) - stop(fifo)).to.equal(77 * 4);
    host.refresh();
    expect(host.lastPass.commands).to.equal(77);
    expect(stop(fifo)).to.equal(next(fifo));
  });

  it('degrades an overflowing redraw queue to one full-screen update instead of losing it', () => {
    const { host, updates, fifo } = setup();
    const words: number[] = [];
    for (let i = 0; i <= UPDATE_QUEUE_CAPACITY; i++) words.push(SvgaCmd.UPDATE, i % 32, 0, 1, 1);
    pushWords(fifo, words);
    host.refresh();
    expect(updates.map(String)).to.deep.equal([FULL.toString()]);
  });

  const badPointers: [string, Partial<Record<'min' | 'max' | 'next' | 'stop', number>>][] = [
    ['STOP outside the FIFO', { stop: 0x100000 }],
    ['MIN > MAX', { min: 16000, max: 4096 }],
    ['unaligned NEXT_CMD', { next: 4098 }],
    ['MAX beyond the FIFO', { max: 16388 }],
    ['MIN inside the pointer words', { min: 8, stop: 8 }],
  ];
  for (const [what, p] of badPointers) {
    it(`reads nothing when the guest wrote ${what}`, () => {
      const { host, updates, fifo } = setup();
      pushWords(fifo, [SvgaCmd.UPDATE, 0, 0, 1, 1]);
      const copy = fifo.slice();
      if (p.min !== undefined) fifo[SvgaFifo.MIN] = p.min;
      if (p.max !== undefined) fifo[SvgaFifo.MAX] = p.max;
      if (p.next !== undefined) fifo[SvgaFifo.NEXT_CMD] = p.next;
      if (p.stop !== undefined) fifo[SvgaFifo.STOP] = p.stop;
      const changed = fifo.slice();
      host.refresh();
      expect(host.lastPass.valid).to.equal(false);
      expect(updates).to.deep.equal([]);
      expect(fifo).to.deep.equal(changed);
      expect(copy.length).to.equal(fifo.length);
    });
  }

  it('reallocates the surface on a mode change and redraws it whole', () => {
    const { host, updates } = setup();
    host.writeRegister(SvgaReg.WIDTH, 40);
    host.refresh();
    expect([host.surface.width, host.surface.height, host.surface.bytes.length]).to.deep.equal([
      40,
      24,
      40 * 24 * 4,
    ]);
    expect(updates.map(String)).to.deep.equal([new Rect(0, 0, 40, 24).toString()]);
    expectSurface(host.surface, host.memory.vram, new Uint8Array(40 * 24 * 4), updates);
  });

  it('ignores a SYNC written from inside an update subscriber (no re-entrant pass)', () => {
    const { host, fifo } = setup();
    let inner = 0;
    host.updates$.subscribe(() => {
      inner += 1;
      host.writeRegister(SvgaReg.SYNC, 1);
    });
    pushWords(fifo, [SvgaCmd.UPDATE, 0, 0, 1, 1, SvgaCmd.UPDATE, 1, 1, 1, 1]);
    host.refresh();
    expect(inner).to.equal(2);
    expect(stop(fifo)).to.equal(next(fifo));
  });

  it('reaches the registers through the INDEX/VALUE I/O ports', () => {
    const host = new SvgaHost(SMALL);
    host.outl(SVGA_INDEX_PORT, SvgaReg.WIDTH);
    host.outl(SVGA_VALUE_PORT, 40);
    expect(host.inl(SVGA_VALUE_PORT)).to.equal(40);
    expect(host.readRegister(SvgaReg.WIDTH)).to.equal(40);
    host.outl(SVGA_INDEX_PORT, SvgaReg.MAX_HEIGHT);
    expect([host.inl(SVGA_INDEX_PORT), host.inl(SVGA_VALUE_PORT), host.inl(7)]).to.deep.equal([
      SvgaReg.MAX_HEIGHT,
      48,
      0,
    ]);
  });

  it('is bound by vmwgfxModule as the guest port and memory', async () => {
    const c = new Container();
    c.bind(SVGA_HOST_OPTIONS).toConstantValue(SMALL);
    await c.load(vmwgfxModule);
    const host = c.get<SvgaHost>(SVGA_HOST);
    expect(c.get(SVGA_PORT)).to.equal(host);
    expect(c.get(SVGA_MEMORY)).to.equal(host.memory);
    expect(host.memory.fifo.length).to.equal(16384 / 4);
  });
});
