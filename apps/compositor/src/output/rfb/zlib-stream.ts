import zlib from 'node:zlib';

/** The part of Node's zlib handle this module drives (Node's own `deflateSync` uses the same calls). */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
}

interface ZlibInternals {
  _handle: ZlibHandle | null;
  _writeState: Uint32Array;
}

const EMPTY = new Uint8Array(0);

/**
 * One persistent deflate stream, driven synchronously. RFB's ZRLE and Tight keep one zlib stream
 * per client for the whole connection (the client inflates every rect with the same dictionary),
 * and each rect ends on a Z_SYNC_FLUSH so the client can decode it at once. Node's public zlib API
 * is either one-shot synchronous (`deflateSync`, a fresh stream per call) or asynchronous; the
 * server writes updates synchronously, so this calls the native handle's `writeSync` itself, the way
 * Node's `processChunkSync` does, without closing the stream afterwards.
 *
 * Output is appended to an internal buffer that grows by doubling and is kept between rects, so a
 * steady stream of updates allocates nothing.
 */
export class DeflateStream {
  private readonly stream: zlib.Deflate;
  private readonly handle: ZlibHandle;
  private readonly state: Uint32Array;
  private out: Buffer;
  private used = 0;
  private failure: Error | undefined;

  constructor(readonly level: number) {
    this.stream = zlib.createDeflate({ level, memLevel: 9 });
    const internals = this.stream as unknown as ZlibInternals;
    if (internals._handle === null || !(internals._writeState instanceof Uint32Array))
      throw new Error('this Node.js zlib has no synchronous stream handle');
    this.handle = internals._handle;
    this.state = internals._writeState;
    this.stream.on('error', (e: Error) => {
      this.failure = e;
    });
    this.out = Buffer.allocUnsafeSlow(16 * 1024);
  }

  /** Whether this Node.js exposes what `DeflateStream` needs (checked once, by compressing a byte). */
  static readonly available: boolean = (() => {
    try {
      const d = new DeflateStream(1);
      d.write(new Uint8Array([1]));
      const ok = d.flush().length > 0;
      d.close();
      return ok;
    } catch {
      return false;
    }
  })();

  /** Compresses `input` (Z_NO_FLUSH: output may stay inside zlib until `flush`). */
  write(input: Uint8Array): void {
    this.run(zlib.constants.Z_NO_FLUSH, input);
  }

  /**
   * Ends the current rect with Z_SYNC_FLUSH and returns everything produced since the last flush.
   * The view is valid until the next `write`/`flush`.
   */
  flush(): Uint8Array {
    this.run(zlib.constants.Z_SYNC_FLUSH, EMPTY);
    const result = this.out.subarray(0, this.used);
    this.used = 0;
    return result;
  }

  close(): void {
    this.stream.close();
  }

  private run(flush: number, input: Uint8Array): void {
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      const room = this.out.length - this.used;
      this.handle.writeSync(flush, input, inOff, inLen, this.out, this.used, room);
      if (this.failure) throw this.failure;
      const availOut = this.state[0];
      const availIn = this.state[1];
      this.used += room - availOut;
      inOff += inLen - availIn;
      inLen = availIn;
      // zlib stops early only when the output is full: grow and go on.
      if (availOut !== 0) return;
      const bigger = Buffer.allocUnsafeSlow(this.out.length * 2);
      this.out.copy(bigger, 0, 0, this.used);
      this.out = bigger;
    }
  }
}
