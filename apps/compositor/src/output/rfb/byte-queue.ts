/**
 * The bytes received but not yet parsed, kept as the chunks the transport delivered (no
 * concatenation per packet). Every read is bounds-checked by the caller against `length`.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** read position inside chunks[0] */
  private head = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.byteLength;
  }

  /** Byte `i` past the read position; `i < length`. */
  byteAt(i: number): number {
    let k = this.head + i;
    for (const c of this.chunks) {
      if (k < c.byteLength) return c[k];
      k -= c.byteLength;
    }
    throw new RangeError(`byteAt(${i}) past ${this.total} queued bytes`);
  }

  u16At(i: number): number {
    return (this.byteAt(i) << 8) | this.byteAt(i + 1);
  }

  u32At(i: number): number {
    return this.u16At(i) * 0x10000 + this.u16At(i + 2);
  }

  /** Removes and returns the next `n` bytes (`n <= length`); a view when they sit in one chunk, else a copy. */
  take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first !== undefined && this.head + n <= first.byteLength) {
      const out = first.subarray(this.head, this.head + n);
      this.skip(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const part = Math.min(n - filled, c.byteLength - this.head);
      out.set(c.subarray(this.head, this.head + part), filled);
      filled += part;
      this.skip(part);
    }
    return out;
  }

  skip(n: number): void {
    this.total -= n;
    this.head += n;
    while (this.chunks.length > 0 && this.head >= this.chunks[0].byteLength) {
      this.head -= this.chunks[0].byteLength;
      this.chunks.shift();
    }
  }
}
