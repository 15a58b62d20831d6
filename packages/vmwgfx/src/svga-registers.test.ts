import { expect } from 'chai';
import { SVGA_ID_0, SVGA_ID_1, SVGA_ID_2, SVGA_ID_INVALID, SvgaReg } from './svga-reg.js';
import { SvgaRegisterFile } from './svga-registers.js';

function registers(vramBytes = 64 * 48 * 4) {
  const events = { syncs: 0, modes: 0 };
  const regs = new SvgaRegisterFile(
    { vramBytes, fifoBytes: 0x4000, maxWidth: 64, maxHeight: 48, width: 32, height: 24 },
    { sync: () => (events.syncs += 1), modeChanged: () => (events.modes += 1) },
  );
  return { regs, events };
}

describe('SvgaRegisterFile', () => {
  it('negotiates the ID: a supported version is kept, an unknown one leaves the previous', () => {
    const { regs } = registers();
    regs.write(SvgaReg.ID, SVGA_ID_1);
    expect(regs.read(SvgaReg.ID)).to.equal(SVGA_ID_1);
    regs.write(SvgaReg.ID, SVGA_ID_INVALID);
    expect(regs.read(SvgaReg.ID)).to.equal(SVGA_ID_1);
    regs.write(SvgaReg.ID, SVGA_ID_0);
    expect(regs.read(SvgaReg.ID)).to.equal(SVGA_ID_0);
    regs.write(SvgaReg.ID, SVGA_ID_2 + 1);
    expect(regs.read(SvgaReg.ID)).to.equal(SVGA_ID_0);
  });

  it('derives BYTES_PER_LINE from WIDTH at 32 bpp and reports the device geometry', () => {
    const { regs } = registers();
    regs.write(SvgaReg.WIDTH, 40);
    expect(regs.read(SvgaReg.BYTES_PER_LINE)).to.equal(160);
    expect(regs.read(SvgaReg.BITS_PER_PIXEL)).to.equal(32);
    expect(regs.read(SvgaReg.VRAM_SIZE)).to.equal(64 * 48 * 4);
    expect(regs.read(SvgaReg.MEM_SIZE)).to.equal(0x4000);
    expect(regs.read(SvgaReg.MAX_WIDTH)).to.equal(64);
  });

  it('ignores modes beyond the limits or beyond VRAM, and zero sizes', () => {
    const { regs, events } = registers(40 * 24 * 4);
    regs.write(SvgaReg.WIDTH, 65);
    regs.write(SvgaReg.WIDTH, 0);
    regs.write(SvgaReg.WIDTH, 41); // 41 x 24 x 4 > VRAM
    regs.write(SvgaReg.HEIGHT, 0xffffffff);
    expect([regs.read(SvgaReg.WIDTH), regs.read(SvgaReg.HEIGHT)]).to.deep.equal([32, 24]);
    expect(events.modes).to.equal(0);
    regs.write(SvgaReg.WIDTH, 40);
    expect(regs.read(SvgaReg.WIDTH)).to.equal(40);
    expect(events.modes).to.equal(1);
  });

  it('runs the FIFO only while enabled and configured; BPP other than 32 clears CONFIG_DONE', () => {
    const { regs } = registers();
    expect(regs.fifoRunning).to.equal(false);
    regs.write(SvgaReg.ENABLE, 1);
    expect(regs.fifoRunning).to.equal(false);
    regs.write(SvgaReg.CONFIG_DONE, 1);
    expect(regs.fifoRunning).to.equal(true);
    regs.write(SvgaReg.BITS_PER_PIXEL, 16);
    expect(regs.read(SvgaReg.CONFIG_DONE)).to.equal(0);
    expect(regs.fifoRunning).to.equal(false);
  });

  it('SYNC calls the host and BUSY reads 0 once the write returned', () => {
    const { regs, events } = registers();
    regs.write(SvgaReg.SYNC, 1);
    expect(events.syncs).to.equal(1);
    expect(regs.read(SvgaReg.BUSY)).to.equal(0);
    expect(regs.read(SvgaReg.SYNC)).to.equal(0);
  });

  it('reads 0 from unknown registers and ignores writes to them and to read-only ones', () => {
    const { regs } = registers();
    regs.write(999, 5);
    regs.write(SvgaReg.MAX_WIDTH, 1);
    expect(regs.read(999)).to.equal(0);
    expect(regs.read(-1)).to.equal(0);
    expect(regs.read(SvgaReg.MAX_WIDTH)).to.equal(64);
  });

  it('reset restores the power-on state', () => {
    const { regs } = registers();
    regs.write(SvgaReg.ENABLE, 1);
    regs.write(SvgaReg.WIDTH, 40);
    regs.write(SvgaReg.CONFIG_DONE, 1);
    regs.reset();
    expect([regs.enable, regs.width, regs.config]).to.deep.equal([0, 32, false]);
  });

  it('rejects a power-on mode that VRAM cannot hold (EINVAL)', () => {
    expect(() => registers(100)).to.throw(/EINVAL/);
  });
});
