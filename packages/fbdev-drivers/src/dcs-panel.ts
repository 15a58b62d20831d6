import { readU16be } from './byte-writer.js';
import { checkPanelSize, checkSend } from './checks.js';
import { COLMOD_RGB565, forEachDbiRecord, MipiDcs } from './dbi-stream.js';
import type { ByteTransport, SendDone } from './tokens.js';

/** What the panel model counted; `errors` are commands it refused (it never throws). */
export interface DcsPanelStats {
  commands: number;
  pixels: number;
  errors: number;
  unknownCommands: number;
}

/**
 * An ST7789/ILI9341-style MIPI DCS controller on the far side of an SPI bus: a GRAM of RGB565
 * pixels written through the CASET/RASET window by RAMWR/RAMWRC, big-endian data bytes, cursor
 * running along a row then down, wrapping inside the window. Like the silicon it starts in
 * sleep with 18-bit COLMOD, so pixels only land after the host set COLMOD 0x55. Bad commands
 * (wrong parameter count, window outside the panel or inverted) are refused and counted; the
 * previous window stays.
 */
export class DcsPanel implements ByteTransport {
  readonly gram: Uint16Array;
  readonly stats: DcsPanelStats = { commands: 0, pixels: 0, errors: 0, unknownCommands: 0 };
  sleeping = true;
  displayOn = false;
  private rgb565 = false;
  private xs = 0;
  private xe: number;
  private ys = 0;
  private ye: number;
  private cx = 0;
  private cy = 0;
  /** a pixel's first byte when a RAMWR chunk ended in the middle of a pixel */
  private pendingByte = -1;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    checkPanelSize(width, height);
    this.gram = new Uint16Array(width * height);
    this.xe = width - 1;
    this.ye = height - 1;
  }

  /** The panel shows its GRAM once awake with the display on. */
  get showing(): boolean {
    return this.displayOn && !this.sleeping;
  }

  /** RGB565 value at (x, y). */
  pixel(x: number, y: number): number {
    return this.gram[y * this.width + x];
  }

  send(bytes: Uint8Array, done: SendDone): void {
    checkSend(bytes, done);
    const err = forEachDbiRecord(bytes, (cmd, data) => this.command(cmd, data));
    if (err !== undefined) this.stats.errors++;
    done();
  }

  /** One command with its data phase (D/C low for `cmd`, high for `data`). */
  command(cmd: number, data: Uint8Array): void {
    this.stats.commands++;
    switch (cmd) {
      case MipiDcs.nop:
        return;
      case MipiDcs.softReset:
        this.reset();
        return;
      case MipiDcs.exitSleepMode:
        this.sleeping = false;
        return;
      case MipiDcs.setDisplayOn:
        this.displayOn = true;
        return;
      case MipiDcs.setPixelFormat:
        this.setPixelFormat(data);
        return;
      case MipiDcs.setColumnAddress:
        this.setWindow(data, this.width, true);
        return;
      case MipiDcs.setPageAddress:
        this.setWindow(data, this.height, false);
        return;
      case MipiDcs.writeMemoryStart:
        this.cx = this.xs;
        this.cy = this.ys;
        this.pendingByte = -1;
        this.writeMemory(data);
        return;
      case MipiDcs.writeMemoryContinue:
        this.writeMemory(data);
        return;
      default:
        this.stats.unknownCommands++;
    }
  }

  private reset(): void {
    this.sleeping = true;
    this.displayOn = false;
    this.rgb565 = false;
    this.xs = 0;
    this.xe = this.width - 1;
    this.ys = 0;
    this.ye = this.height - 1;
  }

  private setPixelFormat(data: Uint8Array): void {
    if (data.length !== 1) {
      this.stats.errors++;
      return;
    }
    // the control-interface format is bits 2..0; 0b101 is 16 bpp (COLMOD_RGB565 sets it for both interfaces)
    this.rgb565 = (data[0] & 0x07) === (COLMOD_RGB565 & 0x07);
    if (!this.rgb565) this.stats.errors++;
  }

  private setWindow(data: Uint8Array, limit: number, columns: boolean): void {
    if (data.length !== 4) {
      this.stats.errors++;
      return;
    }
    const start = readU16be(data, 0);
    const end = readU16be(data, 2);
    if (start > end || end >= limit) {
      this.stats.errors++;
      return;
    }
    if (columns) {
      this.xs = start;
      this.xe = end;
    } else {
      this.ys = start;
      this.ye = end;
    }
  }

  private writeMemory(data: Uint8Array): void {
    if (!this.rgb565) {
      this.stats.errors++;
      return;
    }
    let i = 0;
    if (this.pendingByte >= 0 && data.length > 0) {
      this.store((this.pendingByte << 8) | data[0]);
      this.pendingByte = -1;
      i = 1;
    }
    for (; i + 1 < data.length; i += 2) this.store((data[i] << 8) | data[i + 1]);
    if (i < data.length) this.pendingByte = data[i];
  }

  private store(v: number): void {
    this.gram[this.cy * this.width + this.cx] = v;
    this.stats.pixels++;
    if (++this.cx > this.xe) {
      this.cx = this.xs;
      if (++this.cy > this.ye) this.cy = this.ys;
    }
  }
}
