/**
 * An append-only byte buffer for updates whose size is only known once they are encoded (ZRLE,
 * Tight). It starts on a buffer the caller hands in (the session's flushed previous update) and
 * grows by doubling; `bytes()` is a view of what was written.
 */
export class ByteWriter {
  buf: Buffer;
  at = 0;

  constructor(reuse: Buffer | undefined, minSize: number) {
    this.buf =
      reuse !== undefined && reuse.byteOffset === 0 && reuse.length >= minSize
        ? reuse
        : Buffer.allocUnsafeSlow(Math.max(minSize, 64 * 1024));
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.at + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.at++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16BE(v, this.at);
    this.at += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.at);
    this.at += 4;
  }

  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32BE(v, this.at);
    this.at += 4;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** An RFB rectangle header (RFC 6143 §7.6.1). */
  rectHeader(x: number, y: number, w: number, h: number, encoding: number): void {
    this.reserve(12);
    const { buf, at } = this;
    buf.writeUInt16BE(x, at);
    buf.writeUInt16BE(y, at + 2);
    buf.writeUInt16BE(w, at + 4);
    buf.writeUInt16BE(h, at + 6);
    buf.writeInt32BE(encoding, at + 8);
    this.at += 12;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}
