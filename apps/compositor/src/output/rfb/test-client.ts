/**
 * A small RFB client for tests and benchmarks: it speaks the client side of the handshake, sends
 * the client messages, parses FramebufferUpdates (Raw, CopyRect, DesktopSize) and keeps its own
 * copy of the screen so a test can compare it with the server's framebuffer.
 */
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import {
  decodePixelFormat,
  encodePixelFormat,
  type PixelFormat,
  SERVER_PIXEL_FORMAT,
} from './pixel-format.js';
import { Encoding } from './protocol.js';

export interface ServerInit {
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  name: string;
}

export interface UpdateRect {
  x: number;
  y: number;
  w: number;
  h: number;
  encoding: number;
  /** Raw: the pixel bytes in the client's format; CopyRect: the 4 source bytes */
  data: Buffer;
}

type Reader = { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void };

export class RfbTestClient {
  /** the client's copy of the screen, XRGB8888 (kept while the pixel format is the server's) */
  screen = new Uint32Array(0);
  width = 0;
  height = 0;
  bytesReceived = 0;
  readonly closed: Promise<void>;
  private pf: PixelFormat = { ...SERVER_PIXEL_FORMAT };
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private readers: Reader[] = [];
  private ended = false;
  private sendBytes: (b: Uint8Array) => void = () => {};
  private closeTransport: () => void = () => {};
  private onClosed: () => void = () => {};

  private constructor() {
    this.closed = new Promise((resolve) => {
      this.onClosed = resolve;
    });
  }

  static tcp(port: number, host = '127.0.0.1'): Promise<RfbTestClient> {
    const c = new RfbTestClient();
    const socket: Socket = connect(port, host);
    socket.on('data', (d: Buffer) => c.received(d));
    socket.on('close', () => c.ended_());
    socket.on('error', () => {});
    c.sendBytes = (b) => socket.write(b);
    c.closeTransport = () => socket.destroy();
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(c));
      socket.once('error', reject);
    });
  }

  static webSocket(url: string): Promise<RfbTestClient> {
    const c = new RfbTestClient();
    const ws = new WebSocket(url);
    ws.binaryType = 'nodebuffer';
    ws.on('message', (d: Buffer) => c.received(d));
    ws.on('close', () => c.ended_());
    ws.on('error', () => {});
    c.sendBytes = (b) => ws.send(b);
    c.closeTransport = () => ws.terminate();
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  /** Sends raw bytes (for malformed-input tests). */
  send(bytes: Uint8Array): void {
    this.sendBytes(bytes);
  }

  close(): void {
    this.closeTransport();
  }

  read(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.readers.push({ n, resolve, reject });
      this.serve();
    });
  }

  /** Runs the client side of the handshake up to ServerInit. */
  async handshake(version: '003.003' | '003.007' | '003.008' = '003.008'): Promise<ServerInit> {
    const offered = (await this.read(12)).toString('latin1');
    if (offered !== 'RFB 003.008\n') throw new Error(`server offered ${JSON.stringify(offered)}`);
    this.send(Buffer.from(`RFB ${version}\n`, 'latin1'));
    if (version === '003.003') {
      const type = (await this.read(4)).readUInt32BE(0);
      if (type !== 1) throw new Error(`server chose security type ${type}`);
    } else {
      const list = await this.read(2);
      if (list[0] !== 1 || list[1] !== 1) throw new Error(`security types ${[...list]}`);
      this.send(Buffer.from([1]));
      if (version === '003.008' && (await this.read(4)).readUInt32BE(0) !== 0)
        throw new Error('security failed');
    }
    this.send(Buffer.from([1]));
    return this.serverInit();
  }

  setEncodings(encodings: number[]): void {
    const b = Buffer.alloc(4 + 4 * encodings.length);
    b[0] = 2;
    b.writeUInt16BE(encodings.length, 2);
    for (const [i, e] of encodings.entries()) b.writeInt32BE(e, 4 + 4 * i);
    this.send(b);
  }

  setPixelFormat(pf: PixelFormat): void {
    const b = Buffer.alloc(20);
    encodePixelFormat(pf, b, 4);
    this.send(b);
    this.pf = { ...pf };
  }

  requestUpdate(incremental: boolean, x = 0, y = 0, w = this.width, h = this.height): void {
    const b = Buffer.alloc(10);
    b[0] = 3;
    b[1] = incremental ? 1 : 0;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    b.writeUInt16BE(w, 6);
    b.writeUInt16BE(h, 8);
    this.send(b);
  }

  keyEvent(down: boolean, keysym: number): void {
    const b = Buffer.alloc(8);
    b[0] = 4;
    b[1] = down ? 1 : 0;
    b.writeUInt32BE(keysym, 4);
    this.send(b);
  }

  pointerEvent(mask: number, x: number, y: number): void {
    const b = Buffer.alloc(6);
    b[0] = 5;
    b[1] = mask;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    this.send(b);
  }

  cutText(text: string): void {
    const t = Buffer.from(text, 'latin1');
    const b = Buffer.alloc(8 + t.length);
    b[0] = 6;
    b.writeUInt32BE(t.length, 4);
    t.copy(b, 8);
    this.send(b);
  }

  /** Reads one FramebufferUpdate and applies it to `screen`. */
  async readUpdate(): Promise<UpdateRect[]> {
    const head = await this.read(4);
    if (head[0] !== 0) throw new Error(`expected FramebufferUpdate, got message type ${head[0]}`);
    const rects: UpdateRect[] = [];
    for (let i = head.readUInt16BE(2); i > 0; i--) rects.push(await this.readRect());
    return rects;
  }

  private async readRect(): Promise<UpdateRect> {
    const h = await this.read(12);
    const r = {
      x: h.readUInt16BE(0),
      y: h.readUInt16BE(2),
      w: h.readUInt16BE(4),
      h: h.readUInt16BE(6),
      encoding: h.readInt32BE(8),
    };
    if (r.encoding === Encoding.DesktopSize) {
      this.resizeScreen(r.w, r.h);
      return { ...r, data: Buffer.alloc(0) };
    }
    if (r.encoding === Encoding.CopyRect) {
      const data = await this.read(4);
      this.copy(data.readUInt16BE(0), data.readUInt16BE(2), r.x, r.y, r.w, r.h);
      return { ...r, data };
    }
    if (r.encoding !== Encoding.Raw) throw new Error(`unexpected encoding ${r.encoding}`);
    const data = await this.read(r.w * r.h * (this.pf.bitsPerPixel / 8));
    if (this.pf.bitsPerPixel === 32 && this.pf.redShift === 16 && !this.pf.bigEndian)
      this.paint(r.x, r.y, r.w, r.h, data);
    return { ...r, data };
  }

  /** Reads ServerInit (after a handshake the test drove by hand). */
  async serverInit(): Promise<ServerInit> {
    const b = await this.read(24);
    const name = (await this.read(b.readUInt32BE(20))).toString('utf8');
    this.resizeScreen(b.readUInt16BE(0), b.readUInt16BE(2));
    return { width: this.width, height: this.height, pixelFormat: decodePixelFormat(b, 4), name };
  }

  private resizeScreen(w: number, h: number): void {
    this.width = w;
    this.height = h;
    this.screen = new Uint32Array(w * h);
  }

  private paint(x: number, y: number, w: number, h: number, data: Buffer): void {
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++)
        this.screen[(y + row) * this.width + x + col] = data.readUInt32LE(4 * (row * w + col));
    }
  }

  private copy(sx: number, sy: number, dx: number, dy: number, w: number, h: number): void {
    const block = new Uint32Array(w * h);
    for (let row = 0; row < h; row++)
      block.set(
        this.screen.subarray((sy + row) * this.width + sx, (sy + row) * this.width + sx + w),
        row * w,
      );
    for (let row = 0; row < h; row++)
      this.screen.set(block.subarray(row * w, row * w + w), (dy + row) * this.width + dx);
  }

  private received(d: Buffer): void {
    this.bytesReceived += d.length;
    this.buffered.push(d);
    this.bufferedLength += d.length;
    this.serve();
  }

  private ended_(): void {
    this.ended = true;
    this.serve();
    this.onClosed();
  }

  private serve(): void {
    while (this.readers.length > 0 && this.bufferedLength >= this.readers[0].n) {
      const { n, resolve } = this.readers.shift()!;
      const all = Buffer.concat(this.buffered);
      this.buffered = [all.subarray(n)];
      this.bufferedLength -= n;
      resolve(all.subarray(0, n));
    }
    if (this.ended) for (const r of this.readers.splice(0)) r.reject(new Error('connection closed'));
  }
}
