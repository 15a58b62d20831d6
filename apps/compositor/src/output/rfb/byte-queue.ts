/**
 * The bytes received but not yet parsed, kept as the chunks the transport delivered (no
 * concatenation per packet). Every read is bounds-checked by the caller against `length`.
 * Consumed chunks are dropped by advancing an index, so a stream of one-byte packets costs O(1)
 * per byte, not a shift of the whole list.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** index of the chunk holding the read position */
  private first = 0;
  /** read position inside chunks[first] */
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
    for (let c = this.first; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (k < chunk.byteLength) return chunk[k];
      k -= chunk.byteLength;
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
    const firstChunk = this.chunks[this.first];
    if (firstChunk !== undefined && this.head + n <= firstChunk.byteLength) {
      const out = firstChunk.subarray(this.head, this.head + n);
      this.skip(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.first];
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
    while (this.first < this.chunks.length && this.head >= this.chunks[this.first].byteLength) {
      this.head -= this.chunks[this.first].byteLength;
      this.first++;
    }
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
