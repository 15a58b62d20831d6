import { Rect, Region } from '@fbemu/drm-fb-helper';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { FrameSource } from '../tokens.js';
import { DamageCoarsener } from './coarsen.js';
import { type CopyOp, encodeUpdate, type UpdateParts } from './encoder.js';
import { SessionEncoders } from './encodings.js';
import { LosslessRefresh, overlaps } from './lossless-refresh.js';
import {
  type ClientMessageHandler,
  ClientMessageParser,
  type ParserLimits,
  type RfbMinorVersion,
} from './parser.js';
import {
  encodePixelFormat,
  PIXEL_FORMAT_BYTES,
  PixelConverter,
  type PixelFormat,
  SERVER_PIXEL_FORMAT,
  unsupportedReason,
} from './pixel-format.js';
import { SERVER_VERSION, SecurityType } from './protocol.js';
import type { ByteTransport } from './transport.js';

/** Input a client sent, passed on untouched (the compositor decides what to do with it). */
export type RfbInputEvent =
  | { type: 'key'; session: number; down: boolean; keysym: number }
  | { type: 'pointer'; session: number; buttonMask: number; x: number; y: number }
  | { type: 'cutText'; session: number; text: string };

export interface SessionLimits extends ParserLimits {
  /**
   * rects per update; damage above it is snapped to a coarser grid until it fits (coarsen.ts), and
   * a session holding more than max(this, 512) becomes its bounding box
   */
  maxRectsPerUpdate: number;
  /** no new update is written while more than this is queued on the transport */
  maxBufferedBytes: number;
  /** pending CopyRects above this fall back to raw damage */
  maxPendingCopies: number;
  /**
   * client messages handled per turn; the rest wait for a later scheduler turn (the transport is
   * paused meanwhile), so one client's flood cannot stall the others
   */
  maxMessagesPerTurn: number;
  /**
   * Tight may send photographic rects as JPEG to clients that ask for a quality level (docs/rfb.md,
   * "Encodings"); false: every update is lossless
   */
  jpeg: boolean;
  /**
   * what a client shows as JPEG is re-sent losslessly once it has not been damaged for this long
   * (ms, scheduler time; docs/rfb.md, "Tight JPEG")
   */
  losslessRefreshMs: number;
}

/** What a session needs from its server. */
export interface SessionHost {
  /** what updates are encoded from: the server's copy of the frame when it refines damage, else the frame */
  readonly source: FrameSource;
  readonly desktopName: string;
  readonly limits: Readonly<SessionLimits>;
  /** turns and activity times (the injected scheduler) */
  readonly scheduler: SchedulerLike;
  input(event: RfbInputEvent): void;
  sessionClosed(session: RfbSession, reason: string): void;
  /** The transport itself is gone (the peer closed, or it was destroyed); after or with `sessionClosed`. */
  transportClosed(session: RfbSession): void;
}

export interface SessionCounters {
  updates: number;
  rects: number;
  copyRects: number;
  rawPixels: number;
  /** every byte written to the client, handshake included */
  bytesSent: number;
  /** what the same updates would have cost as full frames (the no-damage-tracking baseline) */
  fullFrameBytes: number;
  /** rects sent ZRLE-, Tight- and Hextile-encoded (the encoding each client chose shows here) */
  zrleRects: number;
  tightRects: number;
  hextileRects: number;
}

/** Damage rects a session holds before its region becomes the bounding box (updates are coarsened to the cap). */
const HELD_RECTS = 512;

/** FramebufferUpdate header + one rect header. */
const FULL_FRAME_OVERHEAD = 16;

type SessionState = 'handshake' | 'ready' | 'closed';

/** All-zero counters (a new session's, and the server's total of closed sessions). */
export function zeroCounters(): SessionCounters {
  return {
    updates: 0,
    rects: 0,
    copyRects: 0,
    rawPixels: 0,
    bytesSent: 0,
    fullFrameBytes: 0,
    zrleRects: 0,
    tightRects: 0,
    hextileRects: 0,
  };
}

/**
 * One RFB client, from ProtocolVersion to close, over any `ByteTransport`.
 *
 * Damage is kept per session: the region of the framebuffer where what the client shows (after the
 * CopyRects queued for it) may differ from the framebuffer. Updates are pulled: one is written only
 * when the client has an update request outstanding, there is something to send, and the transport
 * is not backed up — otherwise damage keeps coalescing in the region.
 */
export class RfbSession implements ClientMessageHandler {
  readonly counters: SessionCounters = zeroCounters();
  private readonly parser: ClientMessageParser;
  private state: SessionState = 'handshake';
  private minor: RfbMinorVersion = 8;
  private converter = new PixelConverter(SERVER_PIXEL_FORMAT);
  private readonly dirty: Region;
  /** fits the damage to `maxRectsPerUpdate` when an update is written */
  private readonly coarsener: DamageCoarsener;
  private copies: CopyOp[] = [];
  private requested = false;
  private resized = false;
  /** the framebuffer size the client was told (ServerInit, then each DesktopSize) */
  private shownWidth = 0;
  private shownHeight = 0;
  private canCopyRect = false;
  private canDesktopSize = false;
  /** ZRLE/Tight state chosen from SetEncodings (encodings.ts) */
  private readonly encoders: SessionEncoders;
  /** what the client shows as JPEG, re-sent exactly once quiet (lossless-refresh.ts) */
  private readonly refresh: LosslessRefresh;
  /** an update buffer the transport is done with, reused for the next update (no fresh pages per frame) */
  private spare: Buffer | undefined;
  /** the later turn that handles the rest of a flood */
  private nextTurn: Subscription | undefined;
  /** the latest pointer position of this turn, not yet published (motion is coalesced per turn) */
  private pointer: { buttonMask: number; x: number; y: number } | undefined;
  /** scheduler time of the connection */
  readonly openedAt: number;
  /** scheduler time of the last bytes received from the client */
  lastActivity: number;

  /**
   * `refusal`: the server has no room. The session then speaks only the version exchange and
   * answers with an RFB failure carrying this reason (3.7/3.8: zero security types + reason;
   * 3.3: security type 0 (invalid) + reason), then closes.
   */
  constructor(
    readonly id: number,
    readonly transport: ByteTransport,
    private readonly host: SessionHost,
    readonly refusal?: string,
  ) {
    this.parser = new ClientMessageParser(this, host.limits);
    this.dirty = new Region(Math.max(HELD_RECTS, host.limits.maxRectsPerUpdate));
    this.coarsener = new DamageCoarsener(host.limits.maxRectsPerUpdate);
    const { scheduler, limits } = host;
    this.refresh = new LosslessRefresh(scheduler, limits.losslessRefreshMs, this.dirty.maxRects, () =>
      this.pump(),
    );
    this.encoders = new SessionEncoders(host.limits.jpeg, this.refresh.sentLossy);
    this.openedAt = this.lastActivity = host.scheduler.now();
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Past the handshake with an update request outstanding: a viewer waiting for the screen to change. */
  get isWaiting(): boolean {
    return this.state === 'ready' && this.requested;
  }

  start(): void {
    this.transport.listen({
      data: (chunk) => this.receive(chunk),
      closed: () => {
        this.end('peer closed');
        this.host.transportClosed(this);
      },
    });
    this.send(Buffer.from(SERVER_VERSION, 'latin1'));
  }

  /** Marks `[x1,x2)×[y1,y2)` (already clipped to the framebuffer) as changed; `flush` sends it. */
  damage(x1: number, y1: number, x2: number, y2: number): void {
    if (this.state !== 'ready') return;
    this.dirty.addXyxy(x1, y1, x2, y2);
    this.refresh.touch(x1, y1, x2, y2);
  }

  /** Answers a pending update request with what changed (after a batch of `damage`). */
  flush(): void {
    this.pump();
  }

  /**
   * The framebuffer block `w×h` at (sx, sy) was just copied to (dx, dy). Sent as CopyRect when the
   * client supports it and shows the source correctly (no pending damage touches it); otherwise the
   * destination is damaged.
   */
  copyRect(op: CopyOp): void {
    if (this.state !== 'ready') return;
    const usable =
      this.canCopyRect &&
      !this.resizePending() &&
      this.copies.length < this.host.limits.maxPendingCopies &&
      !overlaps(this.dirty, op.sx, op.sy, op.sx + op.w, op.sy + op.h);
    if (usable) this.copies.push(op);
    else this.dirty.addXyxy(op.dx, op.dy, op.dx + op.w, op.dy + op.h);
    // A copy carries JPEG pixels along: its destination is lossy too.
    if (usable && this.refresh.overlaps(op.sx, op.sy, op.sx + op.w, op.sy + op.h))
      this.refresh.add(op.dx, op.dy, op.dx + op.w, op.dy + op.h);
    else this.refresh.touch(op.dx, op.dy, op.dx + op.w, op.dy + op.h);
    this.pump();
  }

  /** The framebuffer changed size: the client learns it through DesktopSize, then gets everything. */
  resize(): void {
    if (this.state !== 'ready') return;
    this.resized = true;
    this.copies = [];
    this.refresh.clear(); // everything is re-sent, without JPEG pixels left from the old size
    this.damageAll();
    this.pump();
  }

  /** Closes the connection (server shutdown or a protocol failure). */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.transport.close(reason);
    this.end(reason);
  }

  destroy(reason: string): void {
    if (this.state === 'closed') return;
    this.transport.destroy();
    this.end(reason);
  }

  // ---- ClientMessageHandler -------------------------------------------------------------

  version(minor: RfbMinorVersion): void {
    this.minor = minor;
    if (this.refusal !== undefined) {
      // 3.3 reads a u32 security type, 3.7+ a u8 count of types; 0 says "failed, reason follows".
      this.send(Buffer.concat([minor === 3 ? u32(0) : Buffer.from([0]), reasonString(this.refusal)]));
      this.close(this.refusal);
      return;
    }
    // 3.3: the server picks the security type (u32); 3.7+: it offers a list (u8 count, types).
    if (minor === 3) this.send(u32(SecurityType.None));
    else this.send(Buffer.from([1, SecurityType.None]));
  }

  securityType(type: number): void {
    if (type !== SecurityType.None) {
      if (this.minor === 8) this.send(securityFailure(`security type ${type} not offered`));
      this.close(`client chose security type ${type}`);
      return;
    }
    // RFC 6143 §7.1.3: 3.8 sends SecurityResult even for None; 3.7 does not.
    if (this.minor === 8) this.send(u32(0));
  }

  clientInit(): void {
    // Every session is shared: the flag asks to disconnect others, which a compositor never does.
    const { width, height } = this.host.source;
    const name = Buffer.from(this.host.desktopName, 'utf8');
    const msg = Buffer.alloc(4 + PIXEL_FORMAT_BYTES + 4 + name.length);
    msg.writeUInt16BE(width, 0);
    msg.writeUInt16BE(height, 2);
    [this.shownWidth, this.shownHeight] = [width, height];
    encodePixelFormat(SERVER_PIXEL_FORMAT, msg, 4);
    msg.writeUInt32BE(name.length, 4 + PIXEL_FORMAT_BYTES);
    name.copy(msg, 8 + PIXEL_FORMAT_BYTES);
    this.send(msg);
    this.state = 'ready';
    this.damageAll(); // a client seen for the first time has nothing: everything is damaged
  }

  setPixelFormat(pf: PixelFormat): void {
    const reason = unsupportedReason(pf);
    if (reason !== undefined) {
      this.close(`SetPixelFormat: ${reason}`);
      return;
    }
    this.converter = new PixelConverter(pf);
  }

  setEncodings(encodings: Int32Array): void {
    const choice = this.encoders.select(encodings);
    this.canCopyRect = choice.copyRect;
    this.canDesktopSize = choice.desktopSize;
    if (!this.canCopyRect) this.dropCopies();
  }

  updateRequest(incremental: boolean, x: number, y: number, w: number, h: number): void {
    // Answered at the end of the turn: any number of requests in one turn cost one update.
    if (!incremental) {
      const r = new Rect(x, y, x + w, y + h).clipTo(this.host.source.width, this.host.source.height);
      this.dirty.addRect(r);
    }
    this.requested = true;
  }

  keyEvent(down: boolean, keysym: number): void {
    this.publishPointer();
    this.host.input({ type: 'key', session: this.id, down, keysym });
  }

  /** Motion with the same buttons is coalesced to the turn's last position; a button change is kept. */
  pointerEvent(buttonMask: number, x: number, y: number): void {
    if (this.pointer !== undefined && this.pointer.buttonMask !== buttonMask) this.publishPointer();
    this.pointer = { buttonMask, x, y };
  }

  cutText(text: string): void {
    this.publishPointer();
    this.host.input({ type: 'cutText', session: this.id, text });
  }

  // ---- internals ----------------------------------------------------------------------------

  private receive(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
    this.lastActivity = this.host.scheduler.now();
    this.parser.push(chunk);
    if (this.nextTurn === undefined) this.turn();
  }

  /**
   * Handles up to `maxMessagesPerTurn` messages, publishes the coalesced pointer, answers the
   * update request once. With more queued, the transport pauses and the rest waits for the next
   * scheduler turn, behind every other client's input and the compositor's work.
   */
  private turn(): void {
    this.nextTurn = undefined;
    let more = false;
    let failure: string | undefined;
    try {
      more = this.parser.run(this.host.limits.maxMessagesPerTurn);
      failure = this.parser.failed;
      this.publishPointer();
    } catch (e) {
      // A bug of ours must cost this connection only, never the server.
      failure = `internal error: ${(e as Error).message}`;
    }
    if (failure !== undefined) {
      this.close(failure);
      return;
    }
    this.pump();
    if (this.state === 'closed') return;
    if (more) {
      this.transport.pause();
      this.nextTurn = this.host.scheduler.schedule(() => this.turn());
    } else this.transport.resume();
  }

  private publishPointer(): void {
    const p = this.pointer;
    if (p === undefined) return;
    this.pointer = undefined;
    this.host.input({ type: 'pointer', session: this.id, ...p });
  }

  private end(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.parser.stop();
    this.nextTurn?.unsubscribe();
    this.nextTurn = undefined;
    this.pointer = undefined;
    this.encoders.close();
    this.refresh.clear();
    this.host.sessionClosed(this, reason);
  }

  private damageAll(): void {
    const { width, height } = this.host.source;
    this.dirty.clear().addXyxy(0, 0, width, height);
  }

  /** Queued copies are forgotten: their destinations become damage (the client never saw them). */
  private dropCopies(): void {
    for (const c of this.copies) this.dirty.addXyxy(c.dx, c.dy, c.dx + c.w, c.dy + c.h);
    this.copies = [];
  }

  /** Writes one update if the client asked for one, something changed, and the transport keeps up. */
  private pump(): void {
    if (this.state !== 'ready' || !this.requested) return;
    if (this.transport.bufferedBytes > this.host.limits.maxBufferedBytes) return;
    const { width, height } = this.host.source;
    const lossless = !this.resized && this.refresh.take(this.dirty, width, height);
    const parts = this.nextUpdate();
    if (parts === undefined) return;
    this.requested = false;
    const encoder = this.encoders.current(lossless);
    let update: ReturnType<typeof encodeUpdate>;
    try {
      update = encodeUpdate(this.host.source, this.converter, parts, this.spare, encoder);
    } catch (e) {
      // A bug of ours costs this connection only (its zlib streams may be mid-rect): never the
      // server, nor the compositor whose damage called us.
      this.close(`internal error: ${(e as Error).message}`);
      return;
    }
    this.refresh.updateSent(parts.raw);
    if (encoder) this.counters[encoder.counter] += update.pixelRects;
    if (update.bytes.buffer === this.spare?.buffer) this.spare = undefined;
    // The content is on its way: the client is now up to date except for later damage.
    if (parts.raw) this.dirty.clear();
    this.copies = [];
    this.counters.updates++;
    this.counters.rects += update.rects;
    this.counters.copyRects += parts.copies.length;
    this.counters.rawPixels += update.rawPixels;
    this.counters.fullFrameBytes += FULL_FRAME_OVERHEAD + width * height * this.converter.bytesPerPixel;
    this.send(update.bytes, () => this.recycle(update.bytes));
  }

  /** Keeps the larger of the flushed update buffer and the current spare. */
  private recycle(bytes: Buffer): void {
    const whole = Buffer.from(bytes.buffer, 0, bytes.buffer.byteLength);
    if (this.spare === undefined || whole.length > this.spare.length) this.spare = whole;
  }

  /**
   * The client must learn a new size before any pixels: after `resize()`, or when the frame was
   * swapped for one of another size before its `resize()` (damage and copies then arrive in the new
   * frame's coordinates, which the client's screen may not have).
   */
  private resizePending(): boolean {
    const { width, height } = this.host.source;
    return this.resized || width !== this.shownWidth || height !== this.shownHeight;
  }

  /** What the next update carries (views of the session state); undefined when there is nothing to send. */
  private nextUpdate(): UpdateParts | undefined {
    if (this.resizePending()) {
      if (!this.canDesktopSize) {
        this.close('framebuffer resized and the client does not support DesktopSize');
        return undefined;
      }
      this.resized = false;
      const { width, height } = this.host.source;
      [this.shownWidth, this.shownHeight] = [width, height];
      // What was damaged or queued was in either size's coordinates: the whole new frame follows.
      this.copies = [];
      this.damageAll();
      // The resize goes alone; the full damage follows on the client's next request.
      return { desktopSize: { width, height }, copies: [] };
    }
    if (this.dirty.isEmpty() && this.copies.length === 0) return undefined;
    const { width, height } = this.host.source;
    return { copies: this.copies, raw: this.coarsener.fit(this.dirty, width, height) };
  }

  private send(bytes: Uint8Array, flushed?: () => void): void {
    if (this.state === 'closed') return;
    this.counters.bytesSent += bytes.byteLength;
    this.transport.write(bytes, () => {
      flushed?.();
      this.pump();
    });
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v, 0);
  return b;
}

/** A failure reason as RFC 6143 sends it: u32 length, then the text. */
function reasonString(reason: string): Buffer {
  const text = Buffer.from(reason, 'latin1');
  return Buffer.concat([u32(text.length), text]);
}

/** RFC 6143 §7.1.3: SecurityResult "failed" followed, in 3.8, by a reason string. */
function securityFailure(reason: string): Buffer {
  return Buffer.concat([u32(1), reasonString(reason)]);
}
