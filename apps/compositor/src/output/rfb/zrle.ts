import type { ByteWriter } from './byte-writer.js';
import type { RectEncoder } from './encoder.js';
import { TilePalette } from './palette.js';
import type { PixelConverter, PixelSource } from './pixel-format.js';
import { Encoding } from './protocol.js';
import { DeflateStream } from './zlib-stream.js';

const TILE = 64;
const MAX_PALETTE = 127;

/** Sub-encodings of a ZRLE tile (RFC 6143 §7.7.6). */
const Sub = { Raw: 0, Solid: 1, PlainRle: 128 } as const;

/** Bytes of a run length: (len - 1) as 255s and a last byte below 255. */
function runLengthBytes(len: number): number {
  return (((len - 1) / 255) | 0) + 1;
}

/**
 * ZRLE (RFC 6143 §7.7.6): each rect is cut into 64×64 tiles, each tile sent as the smallest of raw
 * CPIXELs, a solid colour, a packed palette (2..16 colours), plain RLE or palette RLE (≤ 127
 * colours), and the tile stream of the rect goes through the client's one zlib stream, ending on a
 * sync flush. Tiles are analysed after conversion to the client's pixel format, so colours that
 * the format merges (RGB565) count once.
 */
export class ZrleEncoder implements RectEncoder {
  readonly encoding = Encoding.ZRLE;
  readonly counter = 'zrleRects' as const;
  private readonly zlib: DeflateStream;
  private readonly words = new Uint32Array(TILE * TILE);
  /** one tile's uncompressed bytes: never more than sub-encoding + raw pixels */
  private readonly staging = new Uint8Array(1 + TILE * TILE * 4);
  private readonly palette = new TilePalette(128);
  private cp = 4;
  private cpOff = 0;

  constructor(readonly level: number) {
    this.zlib = new DeflateStream(level);
  }

  encodeRect(
    src: PixelSource,
    conv: PixelConverter,
    x: number,
    y: number,
    w: number,
    h: number,
    out: ByteWriter,
  ): number {
    this.cp = conv.cpixelBytes;
    this.cpOff = conv.cpixelOffset;
    for (let ty = y; ty < y + h; ty += TILE) {
      const th = Math.min(TILE, y + h - ty);
      for (let tx = x; tx < x + w; tx += TILE) {
        const tw = Math.min(TILE, x + w - tx);
        conv.convertWords(src, tx, ty, tw, th, this.words);
        this.zlib.write(this.staging.subarray(0, this.encodeTile(tw, th)));
      }
    }
    const data = this.zlib.flush();
    out.rectHeader(x, y, w, h, Encoding.ZRLE);
    out.u32(data.length);
    out.bytes(data);
    return 1;
  }

  close(): void {
    this.zlib.close();
  }

  /** Writes the tile in `words` into `staging`; returns its length. */
  private encodeTile(tw: number, th: number): number {
    const { words, palette, cp } = this;
    const n = tw * th;
    palette.clear();
    let rle = 0;
    let paletteRle = 0;
    let prev = words[0];
    let run = 1;
    palette.add(prev);
    for (let i = 1; i <= n; i++) {
      const v = i < n ? words[i] : ~prev;
      if (v === prev) {
        run++;
        continue;
      }
      const lenBytes = runLengthBytes(run);
      rle += cp + lenBytes;
      paletteRle += run === 1 ? 1 : 1 + lenBytes;
      if (i === n) break;
      prev = v;
      run = 1;
      palette.add(v);
    }
    const colours = palette.size;
    if (colours === 1) return this.solid();
    let best = n * cp;
    let kind: number = Sub.Raw;
    if (rle < best) [best, kind] = [rle, Sub.PlainRle];
    if (colours <= MAX_PALETTE && colours * cp + paletteRle < best) {
      [best, kind] = [colours * cp + paletteRle, 128 + colours];
    }
    if (colours <= 16) {
      const packed = colours * cp + th * Math.ceil((tw * bitsFor(colours)) / 8);
      if (packed < best) [best, kind] = [packed, colours];
    }
    if (kind === Sub.Raw) return this.raw(n);
    if (kind === Sub.PlainRle) return this.plainRle(n);
    if (kind > 128) return this.paletteRle(n);
    return this.packedPalette(tw, th);
  }

  private pixel(o: number, v: number): number {
    const s = this.staging;
    const shift = this.cpOff * 8;
    s[o] = v >>> shift;
    if (this.cp === 1) return o + 1;
    s[o + 1] = v >>> (shift + 8);
    if (this.cp === 2) return o + 2;
    s[o + 2] = v >>> (shift + 16);
    if (this.cp === 3) return o + 3;
    s[o + 3] = v >>> 24;
    return o + 4;
  }

  private runLength(o: number, len: number): number {
    let rest = len - 1;
    while (rest >= 255) {
      this.staging[o++] = 255;
      rest -= 255;
    }
    this.staging[o++] = rest;
    return o;
  }

  private solid(): number {
    this.staging[0] = Sub.Solid;
    return this.pixel(1, this.words[0]);
  }

  private raw(n: number): number {
    this.staging[0] = Sub.Raw;
    let o = 1;
    for (let i = 0; i < n; i++) o = this.pixel(o, this.words[i]);
    return o;
  }

  private paletteHeader(kind: number): number {
    const { palette } = this;
    this.staging[0] = kind;
    let o = 1;
    for (let i = 0; i < palette.size; i++) o = this.pixel(o, palette.colours[i]);
    return o;
  }

  private packedPalette(tw: number, th: number): number {
    const { words, palette, staging } = this;
    const bits = bitsFor(palette.size);
    let o = this.paletteHeader(palette.size);
    for (let row = 0, i = 0; row < th; row++) {
      let byte = 0;
      let used = 0;
      for (let col = 0; col < tw; col++, i++) {
        byte = (byte << bits) | palette.indexOf(words[i]);
        used += bits;
        if (used === 8) {
          staging[o++] = byte;
          byte = 0;
          used = 0;
        }
      }
      if (used > 0) staging[o++] = byte << (8 - used);
    }
    return o;
  }

  private plainRle(n: number): number {
    const { words } = this;
    this.staging[0] = Sub.PlainRle;
    let o = 1;
    for (let i = 0; i < n; ) {
      const v = words[i];
      let j = i + 1;
      while (j < n && words[j] === v) j++;
      o = this.runLength(this.pixel(o, v), j - i);
      i = j;
    }
    return o;
  }

  private paletteRle(n: number): number {
    const { words, palette, staging } = this;
    let o = this.paletteHeader(128 + palette.size);
    for (let i = 0; i < n; ) {
      const v = words[i];
      let j = i + 1;
      while (j < n && words[j] === v) j++;
      const index = palette.indexOf(v);
      if (j - i === 1) staging[o++] = index;
      else {
        staging[o++] = 128 | index;
        o = this.runLength(o, j - i);
      }
      i = j;
    }
    return o;
  }
}

function bitsFor(colours: number): number {
  return colours <= 2 ? 1 : colours <= 4 ? 2 : 4;
}
