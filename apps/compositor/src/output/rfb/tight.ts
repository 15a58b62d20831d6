import type { Region } from '@fbemu/drm-fb-helper';
import type { ByteWriter } from './byte-writer.js';
import type { RectEncoder } from './encoder.js';
import { JpegEncoder } from './jpeg.js';
import { TilePalette } from './palette.js';
import type { PixelConverter, PixelSource } from './pixel-format.js';
import { Encoding } from './protocol.js';
import { DeflateStream } from './zlib-stream.js';

/**
 * Tight limits a rect's width to 2048; 64 Ki pixels per piece keeps fills and palettes local. A
 * column of a huge rect is cut into at most 48 pieces, so an update stays under RFB's 65535 rects,
 * unless its pieces would then exceed MAX_PIECE_PIXELS (columns taller than 12 288 rows of 2048).
 */
const MAX_WIDTH = 2048;
const MAX_PIXELS = 65536;
const MAX_PIECES_PER_COLUMN = 48;
/**
 * Tight's compact length holds 22 bits (< 4 MiB); a piece's data is at most 4 bytes a pixel plus
 * zlib's few bytes per block, or a JPEG no larger than its RGB bytes: 512 Ki pixels always fit.
 */
const MAX_PIECE_PIXELS = 1 << 19;

/** Rows per piece of a rect `h` tall cut in columns `pw` wide (see MAX_PIECES_PER_COLUMN). */
export function pieceRows(pw: number, h: number): number {
  const fewPieces = Math.min(Math.ceil(h / MAX_PIECES_PER_COLUMN), Math.floor(MAX_PIECE_PIXELS / pw));
  return Math.max(1, Math.floor(MAX_PIXELS / pw), fewPieces);
}
/** Data shorter than this is sent as is, without zlib (Tight's rule). */
const MIN_COMPRESS = 12;

/** The compression-control byte's high nibble (Tight, as libvncserver and noVNC read it). */
const Ctl = { Fill: 0x80, Jpeg: 0x90, ExplicitFilter: 0x40 } as const;
const PALETTE_FILTER = 1;
/** One zlib stream per kind of data, as TightVNC does: copy, mono, indexed. */
const Stream = { Copy: 0, Mono: 1, Indexed: 2 } as const;

/**
 * JPEG quality and chroma subsampling for Tight's quality levels 0..9: TigerVNC's table (as
 * libvncserver copies it), except that its 4:2:2 levels (0..2) are sent 4:2:0, the only
 * subsampling this encoder has.
 */
export const JPEG_LEVELS: readonly { quality: number; subsample: boolean }[] = [
  15, 29, 41, 42, 62, 77, 79, 86, 92, 100,
].map((quality, level) => ({ quality, subsample: level < 6 }));

/** Pieces smaller than this stay lossless: a JPEG's headers alone take ≈ 600 bytes. */
const MIN_JPEG_PIXELS = 1024;
const MIN_JPEG_SIDE = 8;
/** A sampled pixel is an edge when a channel steps by more than this from its left or upper neighbour. */
const EDGE_STEP = 48;
/** At most one sampled pixel in this many may be an edge for a piece to count as photographic. */
const EDGE_RATIO = 32;

/**
 * Whether a piece of many colours looks photographic (continuous tone) rather than drawn: large
 * enough, and few sharp edges among every other row's every fourth pixel, an edge being a step of
 * more than EDGE_STEP in a channel to the left or upper neighbour. Gradients, photos and video
 * have few; noise, text on many-colour backgrounds and hard-edged patterns (sawtooth ramps) have
 * many, and JPEG would blur or ring them, so they stay lossless.
 */
export function photographic(words: Uint32Array, w: number, h: number): boolean {
  if (w < MIN_JPEG_SIDE || h < MIN_JPEG_SIDE || w * h < MIN_JPEG_PIXELS) return false;
  let samples = 0;
  let edges = 0;
  for (let y = 1; y < h; y += 2) {
    for (let i = y * w + 1, end = (y + 1) * w; i < end; i += 4) {
      samples++;
      if (step(words[i], words[i - 1]) || step(words[i], words[i - w])) edges++;
    }
  }
  return edges * EDGE_RATIO <= samples;
}

/** Whether any of the three 8-bit channels of `a` and `b` differ by more than EDGE_STEP. */
function step(a: number, b: number): boolean {
  for (let shift = 0; shift < 24; shift += 8) {
    const d = ((a >>> shift) & 0xff) - ((b >>> shift) & 0xff);
    if (d > EDGE_STEP || d < -EDGE_STEP) return true;
  }
  return false;
}

/**
 * Tight (lossless part): each rect is cut into pieces ≤ 2048 wide and ≤ 64 Ki pixels; a piece of one
 * colour is a fill, two colours a 1-bit palette, up to 256 an 8-bit palette when that is smaller
 * than the pixels, else the pixels themselves ("basic" copy filter). Palette and copy data go
 * through one of three persistent zlib streams with a sync flush; the first use of each stream
 * tells the client to reset its inflater, so a fresh encoder (new compression level) is always in
 * step with the client.
 *
 * With a `qualityLevel` (the client's JPEG-quality pseudo-encoding, and a client format whose
 * TPIXEL is R, G, B) a piece of more than 256 colours that looks `photographic` goes as JPEG
 * instead (control 0x90, compact length, a baseline JFIF file) unless that is no smaller than its
 * raw pixels; fills and palettes stay lossless, so flat and few-colour content is always exact.
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
  private jpeg: JpegEncoder | undefined;
  /** 0..9: photographic pieces may go as JPEG of this level (JPEG_LEVELS); undefined: lossless only */
  qualityLevel: number | undefined;
  /** where the pieces sent as JPEG are added (the session's lossless refresh, lossless-refresh.ts) */
  lossyPieces: Region | undefined;

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
      const rows = pieceRows(pw, h);
      if (rows * pw > this.words.length) {
        this.words = new Uint32Array(rows * pw);
        this.data = new Uint8Array(rows * pw * 4);
      }
      for (let py = y; py < y + h; py += rows) {
        const ph = Math.min(rows, y + h - py);
        this.load(src, conv, px, py, pw, ph);
        out.rectHeader(px, py, pw, ph, Encoding.Tight);
        if (this.encodePiece(pw, ph, out)) this.lossyPieces?.addXyxy(px, py, px + pw, py + ph);
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

  /** Writes the piece; true when it went as JPEG. */
  private encodePiece(w: number, h: number, out: ByteWriter): boolean {
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
    } else if (this.jpegPiece(w, h, out)) return true;
    else {
      out.u8(this.resetBit(Stream.Copy) | (Stream.Copy << 4));
      this.compressed(out, Stream.Copy, this.copyData(n));
    }
    return false;
  }

  /** Sends the piece as JPEG when allowed, photographic and smaller than its raw pixels; false otherwise. */
  private jpegPiece(w: number, h: number, out: ByteWriter): boolean {
    const level = this.qualityLevel;
    if (level === undefined || !this.rgb || !photographic(this.words, w, h)) return false;
    const { quality, subsample } = JPEG_LEVELS[level];
    this.jpeg ??= new JpegEncoder();
    const data = this.jpeg.encode(this.words, w, w, h, quality, subsample);
    if (data.length >= w * h * 3) return false;
    out.u8(Ctl.Jpeg);
    compactLength(out, data.length);
    out.bytes(data);
    return true;
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
