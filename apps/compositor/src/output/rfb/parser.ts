import { ByteQueue } from './byte-queue.js';
import { decodePixelFormat, type PixelFormat } from './pixel-format.js';
import { ClientMsg, MsgSize } from './protocol.js';

/** Protocol minor version the session settled on (3.3, 3.7 or 3.8). */
export type RfbMinorVersion = 3 | 7 | 8;

/** What the parser reports, one call per complete client message. */
export interface ClientMessageHandler {
  version(minor: RfbMinorVersion): void;
  securityType(type: number): void;
  clientInit(shared: boolean): void;
  setPixelFormat(pf: PixelFormat): void;
  setEncodings(encodings: Int32Array): void;
  updateRequest(incremental: boolean, x: number, y: number, w: number, h: number): void;
  keyEvent(down: boolean, keysym: number): void;
  pointerEvent(buttonMask: number, x: number, y: number): void;
  cutText(text: string): void;
}

export interface ParserLimits {
  /** SetEncodings with more entries closes the connection */
  maxEncodings: number;
  /** ClientCutText longer than this closes the connection (the text is collected whole, then handed on) */
  maxCutTextBytes: number;
}

export const DEFAULT_PARSER_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxEncodings: 1024,
  maxCutTextBytes: 1 << 20,
});

type Phase = 'version' | 'security' | 'clientInit' | 'normal' | 'cutText' | 'dead';

const VERSION_BYTES = 12;
const VERSION_RE = /^RFB (\d{3})\.(\d{3})\n$/;

function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

/** RFC 6143 §7.1.1: a client answering with another 3.x minor than 7 or 8 is treated as 3.3. */
function minorOf(text: string): RfbMinorVersion | undefined {
  const m = VERSION_RE.exec(text);
  if (!m || Number(m[1]) !== 3) return undefined;
  const minor = Number(m[2]);
  return minor >= 8 ? 8 : minor === 7 ? 7 : 3;
}

/**
 * Streaming parser of everything an RFB client sends, from ProtocolVersion on. Bytes may arrive
 * split at any position; a message is handled only once all its bytes are queued, and every read
 * is checked against the queued length first. Malformed input (bad version string, unknown message
 * type, oversized counts or lengths) makes `feed` return the reason and the parser dead; it never
 * throws for any input. Work per `feed` is bounded by the bytes fed, and per `run` by its budget.
 */
export class ClientMessageParser {
  private readonly queue = new ByteQueue();
  private phase: Phase = 'version';
  private failure: string | undefined;
  /** a ClientCutText body being received (streamed out of the queue, so the queue stays small) */
  private cut = new Uint8Array(0);
  private cutFilled = 0;

  constructor(
    private readonly handler: ClientMessageHandler,
    private readonly limits: Readonly<ParserLimits> = DEFAULT_PARSER_LIMITS,
  ) {}

  /** Queues `chunk` and handles every complete message; returns the failure reason once malformed. */
  feed(chunk: Uint8Array): string | undefined {
    this.push(chunk);
    this.run(Number.POSITIVE_INFINITY);
    return this.failure;
  }

  /** Queues `chunk` without handling anything (see `run`). */
  push(chunk: Uint8Array): void {
    if (this.phase !== 'dead') this.queue.push(chunk);
  }

  /**
   * Handles at most `maxMessages` complete messages from the queue. True when it stopped because of
   * the budget (more may be queued): the caller continues on a later turn, so one client's flood
   * cannot hold the event loop.
   */
  run(maxMessages: number): boolean {
    for (let n = 0; n < maxMessages; n++) if (!this.step()) return false;
    return this.phase !== 'dead' && this.queue.length > 0;
  }

  /** The reason the input was refused, once it was. */
  get failed(): string | undefined {
    return this.failure;
  }

  /** Stops handling input (the session closed); later feeds are ignored. */
  stop(): void {
    this.phase = 'dead';
  }

  private fail(reason: string): false {
    this.failure = reason;
    this.phase = 'dead';
    return false;
  }

  /** Handles one message if complete; false when more bytes are needed or input was malformed. */
  private step(): boolean {
    switch (this.phase) {
      case 'version':
        return this.version();
      case 'security':
        return this.fixed(1, (b) => {
          this.phase = 'clientInit';
          this.handler.securityType(b[0]);
        });
      case 'clientInit':
        return this.fixed(1, (b) => {
          this.phase = 'normal';
          this.handler.clientInit(b[0] !== 0);
        });
      case 'normal':
        return this.message();
      case 'cutText':
        return this.cutTextBody();
      default:
        return false;
    }
  }

  private version(): boolean {
    if (this.queue.length < VERSION_BYTES) return false;
    const text = String.fromCharCode(...this.queue.take(VERSION_BYTES));
    const minor = minorOf(text);
    if (minor === undefined) return this.fail(`bad ProtocolVersion ${JSON.stringify(text)}`);
    this.phase = minor === 3 ? 'clientInit' : 'security';
    this.handler.version(minor);
    return true;
  }

  /** Once `size` bytes are queued, removes them and passes them to `handle`. */
  private fixed(size: number, handle: (b: Uint8Array) => void): boolean {
    if (this.queue.length < size) return false;
    handle(this.queue.take(size));
    return true;
  }

  private message(): boolean {
    if (this.queue.length < 1) return false;
    const h = this.handler;
    const type = this.queue.byteAt(0);
    switch (type) {
      case ClientMsg.SetPixelFormat:
        return this.fixed(MsgSize.SetPixelFormat, (b) => h.setPixelFormat(decodePixelFormat(b, 4)));
      case ClientMsg.SetEncodings:
        return this.setEncodings();
      case ClientMsg.FramebufferUpdateRequest:
        return this.fixed(MsgSize.FramebufferUpdateRequest, (b) =>
          h.updateRequest(b[1] !== 0, u16(b, 2), u16(b, 4), u16(b, 6), u16(b, 8)),
        );
      case ClientMsg.KeyEvent:
        return this.fixed(MsgSize.KeyEvent, (b) => h.keyEvent(b[1] !== 0, u16(b, 4) * 0x10000 + u16(b, 6)));
      case ClientMsg.PointerEvent:
        return this.fixed(MsgSize.PointerEvent, (b) => h.pointerEvent(b[1], u16(b, 2), u16(b, 4)));
      case ClientMsg.ClientCutText:
        return this.cutText();
      default:
        return this.fail(`unknown client message type ${type}`);
    }
  }

  private setEncodings(): boolean {
    const q = this.queue;
    if (q.length < MsgSize.SetEncodingsHeader) return false;
    const count = q.u16At(2);
    if (count > this.limits.maxEncodings) return this.fail(`SetEncodings with ${count} encodings`);
    const size = MsgSize.SetEncodingsHeader + 4 * count;
    if (q.length < size) return false;
    const b = q.take(size);
    const encodings = new Int32Array(count);
    for (let i = 0; i < count; i++) encodings[i] = (u16(b, 4 + 4 * i) << 16) | u16(b, 6 + 4 * i);
    this.handler.setEncodings(encodings);
    return true;
  }

  /** ClientCutText header: the length is checked before any of the text is accepted. */
  private cutText(): boolean {
    const q = this.queue;
    if (q.length < MsgSize.ClientCutTextHeader) return false;
    const length = q.u32At(4);
    if (length > this.limits.maxCutTextBytes) return this.fail(`ClientCutText of ${length} bytes`);
    q.skip(MsgSize.ClientCutTextHeader);
    this.cut = new Uint8Array(length);
    this.cutFilled = 0;
    this.phase = 'cutText';
    return true;
  }

  private cutTextBody(): boolean {
    const n = Math.min(this.queue.length, this.cut.length - this.cutFilled);
    if (n > 0) {
      this.cut.set(this.queue.take(n), this.cutFilled);
      this.cutFilled += n;
    }
    if (this.cutFilled < this.cut.length) return false;
    this.phase = 'normal';
    // RFC 6143 §7.5.6: the text is ISO 8859-1.
    const text = Buffer.from(this.cut.buffer, this.cut.byteOffset, this.cut.byteLength).toString('latin1');
    this.cut = new Uint8Array(0);
    this.handler.cutText(text);
    return true;
  }
}
