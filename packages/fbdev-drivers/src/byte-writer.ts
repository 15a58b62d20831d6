/**
 * A growable output buffer for command streams. It grows by doubling and is reused between
 * updates (`reset`), so a warm encoder allocates nothing per update. `view()` is only valid until
 * the next write or reset: transports must be done with it before they call `done`.
 */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  reset(): void {
    this.length = 0;
  }

  /** Makes room for `n` more bytes and returns the byte array to write into at `length`. */
  reserve(n: number): Uint8Array {
    const need = this.length + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    return this.buf;
  }

  u8(v: number): void {
    this.reserve(1)[this.length++] = v;
  }

  u16le(v: number): void {
    const b = this.reserve(2);
    b[this.length++] = v;
    b[this.length++] = v >> 8;
  }

  u16be(v: number): void {
    const b = this.reserve(2);
    b[this.length++] = v >> 8;
    b[this.length++] = v;
  }

  u32le(v: number): void {
    const b = this.reserve(4);
    b[this.length++] = v;
    b[this.length++] = v >> 8;
    b[this.length++] = v >> 16;
    b[this.length++] = v >>> 24;
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Little-endian u16 at `o` of untrusted bytes (callers check bounds first). */
export function readU16le(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

export function readU32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Big-endian u16 at `o` (DCS parameters are most significant byte first). */
export function readU16be(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
