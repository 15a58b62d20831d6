/**
 * A kernel bitmap of `maxbit + 1` bits stored as x86-64 longs (little endian), so its bytes are
 * what `bits_to_user` copies: BITS_TO_LONGS(maxbit + 1) * 8 bytes, bit n in byte n / 8.
 */
export class Bitmap {
  readonly bytes: Uint8Array;

  constructor(readonly maxbit: number) {
    this.bytes = new Uint8Array(Math.ceil((maxbit + 1) / 64) * 8);
  }

  has(bit: number): boolean {
    return bit >= 0 && bit <= this.maxbit && (this.bytes[bit >> 3] & (1 << (bit & 7))) !== 0;
  }

  set(bit: number, on = true): void {
    if (on) this.bytes[bit >> 3] |= 1 << (bit & 7);
    else this.bytes[bit >> 3] &= ~(1 << (bit & 7));
  }

  /** The set bits, ascending. */
  bits(): number[] {
    const out: number[] = [];
    for (let b = 0; b <= this.maxbit; b++) if (this.has(b)) out.push(b);
    return out;
  }

  /** bits_to_user: the first min(own size, maxlen) bytes */
  head(maxlen: number): Uint8Array {
    return this.bytes.slice(0, Math.min(this.bytes.length, maxlen));
  }
}
