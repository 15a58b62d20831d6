import type { ByteWriter } from './byte-writer.js';
import type { RectEncoder } from './encoder.js';
import type { PixelConverter, PixelSource } from './pixel-format.js';
import { Encoding } from './protocol.js';

const TILE = 16;
/** Hextile sub-encoding mask bits (RFC 6143 §7.7.4). */
const Bit = { Raw: 1, Background: 2, Foreground: 4, AnySubrects: 8, Coloured: 16 } as const;
const MAX_SUBRECTS = 255;

/**
 * Hextile (RFC 6143 §7.7.4), no zlib: 16×16 tiles, each a background colour plus subrects of other
 * colours (one foreground colour when all share it), or raw pixels when that is smaller. Every
 * non-raw tile names its background, so no tile depends on the one before a raw tile.
 */
export class HextileEncoder implements RectEncoder {
  readonly encoding = Encoding.Hextile;
  readonly counter = 'hextileRects' as const;
  private readonly words = new Uint32Array(TILE * TILE);
  private readonly covered = new Uint8Array(TILE * TILE);
  /** subrects of the tile: colour, x, y, w, h */
  private readonly subrects = new Uint32Array(TILE * TILE * 5);
  private bpp = 4;

  encodeRect(
    src: PixelSource,
    conv: PixelConverter,
    x: number,
    y: number,
    w: number,
    h: number,
    out: ByteWriter,
  ): number {
    this.bpp = conv.bytesPerPixel;
    out.rectHeader(x, y, w, h, Encoding.Hextile);
    for (let ty = y; ty < y + h; ty += TILE) {
      const th = Math.min(TILE, y + h - ty);
      for (let tx = x; tx < x + w; tx += TILE) {
        const tw = Math.min(TILE, x + w - tx);
        conv.convertWords(src, tx, ty, tw, th, this.words);
        this.tile(tw, th, out);
      }
    }
    return 1;
  }

  close(): void {}

  private pixel(out: ByteWriter, v: number): void {
    for (let k = 0; k < this.bpp; k++) out.u8((v >>> (8 * k)) & 0xff);
  }

  private tile(tw: number, th: number, out: ByteWriter): void {
    const { words, subrects, bpp } = this;
    const n = tw * th;
    const bg = words[0];
    const count = this.findSubrects(tw, th, bg);
    let oneColour = true;
    for (let i = 1; i < count; i++) oneColour &&= subrects[i * 5] === subrects[0];
    const size = count === 0 ? 1 + bpp : oneColour ? 2 + 2 * bpp + 2 * count : 2 + bpp + count * (bpp + 2);
    if (count > MAX_SUBRECTS || size > 1 + n * bpp) {
      out.u8(Bit.Raw);
      for (let i = 0; i < n; i++) this.pixel(out, words[i]);
      return;
    }
    if (count === 0) {
      out.u8(Bit.Background);
      this.pixel(out, bg);
      return;
    }
    out.u8(Bit.Background | Bit.AnySubrects | (oneColour ? Bit.Foreground : Bit.Coloured));
    this.pixel(out, bg);
    if (oneColour) this.pixel(out, subrects[0]);
    out.u8(count);
    for (let i = 0; i < count; i++) {
      const s = i * 5;
      if (!oneColour) this.pixel(out, subrects[s]);
      out.u8((subrects[s + 1] << 4) | subrects[s + 2]);
      out.u8(((subrects[s + 3] - 1) << 4) | (subrects[s + 4] - 1));
    }
  }

  /** Greedy cover of the non-background pixels by one-colour rects (a run, grown downwards). */
  private findSubrects(tw: number, th: number, bg: number): number {
    const { words, covered, subrects } = this;
    covered.fill(0, 0, tw * th);
    let count = 0;
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const i = y * tw + x;
        const v = words[i];
        if (v === bg || covered[i]) continue;
        let w = 1;
        while (x + w < tw && words[i + w] === v && !covered[i + w]) w++;
        let h = 1;
        while (y + h < th && this.rowMatches(i + h * tw, w, v)) h++;
        for (let r = 0; r < h; r++) covered.fill(1, i + r * tw, i + r * tw + w);
        const s = count * 5;
        [subrects[s], subrects[s + 1], subrects[s + 2], subrects[s + 3], subrects[s + 4]] = [v, x, y, w, h];
        if (++count > MAX_SUBRECTS) return count;
        x += w - 1;
      }
    }
    return count;
  }

  private rowMatches(at: number, w: number, v: number): boolean {
    for (let k = 0; k < w; k++) if (this.words[at + k] !== v || this.covered[at + k]) return false;
    return true;
  }
}
