import type { ByteWriter } from './byte-writer.js';
import type { RectEncoder } from './encoder.js';
import { TilePalette } from './palette.js';
import type { PixelConverter, PixelSource } from './pixel-format.js';
import { Encoding } from './protocol.js';
import { DeflateStream } from './zlib-stream.js';

/**
 * Tight limits a rect's width to 2048; 64 Ki pixels per piece keeps fills and palettes local. A
 * column of a huge rect is cut into at most 48 pieces, so an update (≤ 32 damage rects of ≤ 32
 * columns) stays under RFB's 65535 rects.
 */
const MAX_WIDTH = 2048;
const MAX_PIXELS = 65536;
const MAX_PIECES_PER_COLUMN = 48;
/** Data shorter than this is sent as is, without zlib (Tight's rule). */
const MIN_COMPRESS = 12;

/** The compression-control byte's high nibble (Tight, as libvncserver and noVNC read it). */
const Ctl = { Fill: 0x80, ExplicitFilter: 0x40 } as const;
const PALETTE_FILTER = 1;
/** One zlib stream per kind of data, as TightVNC does: copy, mono, indexed. */
const Stream = { Copy: 0, Mono: 1, Indexed: 2 } as const;

/**
 * Tight (lossless part): each rect is cut into pieces ≤ 2048 wide and ≤ 64 Ki pixels; a piece of one
 * colour is a fill, two colours a 1-bit palette, up to 256 an 8-bit palette when that is smaller
 * than the pixels, else the pixels themselves ("basic" copy filter). Palette and copy data go
 * through one of three persistent zlib streams with a sync flush; the first use of each stream
 * tells the client to reset its inflater, so a fresh encoder (new compression level) is always in
 * step with the client.
 */
export class TightEncoder implements RectEncoder {
  readonly encoding = Encoding.Tight;
  readonly counter = 'tightRects' as const;
  private readonly streams: (DeflateStream | undefined)[] = [undefined, undefined, undefined];
  private words = new Uint32Array(MAX_PIXELS);
  private data = new Uint8Array(MAX_PIXELS * 4);
  private readonly palette = new TilePalette(256);
  private tp = 3;
  private rgb = true;

  constructor(readonly level: number) {}

  encodeRect(
    src: PixelSource,
    conv: PixelConverter,
    x: number,
    y: number,
    w: number,
    h: number,
    out: ByteWriter,
  ): number {
    this.rgb = conv.tpixelRgb;
    this.tp = this.rgb ? 3 : conv.bytesPerPixel;
    let rects = 0;
    for (let px = x; px < x + w; px += MAX_WIDTH) {
      const pw = Math.min(MAX_WIDTH, x + w - px);
      const rows = Math.max(1, Math.floor(MAX_PIXELS / pw), Math.ceil(h / MAX_PIECES_PER_COLUMN));
      if (rows * pw > this.words.length) {
        this.words = new Uint32Array(rows * pw);
        this.data = new Uint8Array(rows * pw * 4);
      }
      for (let py = y; py < y + h; py += rows) {
        const ph = Math.min(rows, y + h - py);
        this.load(src, conv, px, py, pw, ph);
        out.rectHeader(px, py, pw, ph, Encoding.Tight);
        this.encodePiece(pw, ph, out);
        rects++;
      }
    }
    return rects;
  }

  close(): void {
    for (const s of this.streams) s?.close();
  }

  /** The piece's pixels as words: 0x00RRGGBB for three-byte TPIXELs, else client pixel words. */
  private load(src: PixelSource, conv: PixelConverter, x: number, y: number, w: number, h: number): void {
    if (!this.rgb) {
      conv.convertWords(src, x, y, w, h, this.words);
      return;
    }
    const { pixels, stride } = src;
    const words = this.words;
    for (let row = 0, o = 0; row < h; row++) {
      for (let i = (y + row) * stride + x, end = i + w; i < end; i++) words[o++] = pixels[i] & 0xffffff;
    }
  }

  private encodePiece(w: number, h: number, out: ByteWriter): void {
    const { words, palette } = this;
    const n = w * h;
    palette.clear();
    let prev = words[0];
    palette.add(prev);
    for (let i = 1; i < n && palette.size <= 256; i++) {
      const v = words[i];
      if (v !== prev) palette.add(v);
      prev = v;
    }
    const colours = palette.size;
    if (colours === 1) {
      out.u8(Ctl.Fill);
      this.tpixel(out, palette.colours[0]);
    } else if (colours === 2) {
      this.paletteHeader(out, Stream.Mono);
      this.compressed(out, Stream.Mono, this.monoData(w, h));
    } else if (colours <= 256 && colours * this.tp + n < n * this.tp) {
      this.paletteHeader(out, Stream.Indexed);
      this.compressed(out, Stream.Indexed, this.indexedData(n));
    } else {
      out.u8(this.resetBit(Stream.Copy) | (Stream.Copy << 4));
      this.compressed(out, Stream.Copy, this.copyData(n));
    }
  }

  /** Sets the stream's reset bit on its first use by this encoder (the client may hold an old one). */
  private resetBit(id: number): number {
    if (this.streams[id] !== undefined) return 0;
    this.streams[id] = new DeflateStream(this.level);
    return 1 << id;
  }

  private paletteHeader(out: ByteWriter, id: number): void {
    const { palette } = this;
    out.u8(this.resetBit(id) | (id << 4) | Ctl.ExplicitFilter);
    out.u8(PALETTE_FILTER);
    out.u8(palette.size - 1);
    for (let i = 0; i < palette.size; i++) this.tpixel(out, palette.colours[i]);
  }

  private tpixel(out: ByteWriter, v: number): void {
    if (this.rgb) {
      out.u8((v >>> 16) & 0xff);
      out.u8((v >>> 8) & 0xff);
      out.u8(v & 0xff);
      return;
    }
    for (let k = 0; k < this.tp; k++) out.u8((v >>> (8 * k)) & 0xff);
  }

  /** Data under 12 bytes goes raw; longer data as a compact length and the stream's sync-flushed output. */
  private compressed(out: ByteWriter, id: number, len: number): void {
    const raw = this.data.subarray(0, len);
    if (len < MIN_COMPRESS) {
      out.bytes(raw);
      return;
    }
    const stream = this.streams[id]!;
    stream.write(raw);
    const z = stream.flush();
    compactLength(out, z.length);
    out.bytes(z);
  }

  private monoData(w: number, h: number): number {
    const { words, data } = this;
    const one = this.palette.colours[1];
    let o = 0;
    for (let row = 0; row < h; row++) {
      const base = row * w;
      for (let col = 0; col < w; col += 8) {
        let byte = 0;
        for (let b = col; b < col + 8; b++) byte = (byte << 1) | (b < w && words[base + b] === one ? 1 : 0);
        data[o++] = byte;
      }
    }
    return o;
  }

  private indexedData(n: number): number {
    const { words, data, palette } = this;
    let prev = -1;
    let index = 0;
    for (let i = 0; i < n; i++) {
      const v = words[i];
      if (v !== prev) index = palette.indexOf(v);
      prev = v;
      data[i] = index;
    }
    return n;
  }

  private copyData(n: number): number {
    const { words, data, tp } = this;
    let o = 0;
    if (this.rgb) {
      for (let i = 0; i < n; i++) {
        const v = words[i];
        data[o] = v >>> 16;
        data[o + 1] = v >>> 8;
        data[o + 2] = v;
        o += 3;
      }
      return o;
    }
    for (let i = 0; i < n; i++) {
      const v = words[i];
      for (let k = 0; k < tp; k++) data[o++] = v >>> (8 * k);
    }
    return o;
  }
}

/** Tight's compact length: 7 bits per byte, low first, high bit = more follows (at most 3 bytes). */
function compactLength(out: ByteWriter, len: number): void {
  if (len < 0x80) out.u8(len);
  else if (len < 0x4000) {
    out.u8((len & 0x7f) | 0x80);
    out.u8(len >>> 7);
  } else {
    out.u8((len & 0x7f) | 0x80);
    out.u8(((len >>> 7) & 0x7f) | 0x80);
    out.u8(len >>> 14);
  }
}
