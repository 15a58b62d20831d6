import { createServer, type Server, type Socket } from 'node:net';
import type { Rect } from '@fbemu/drm-fb-helper';
import { SCHEDULER } from '@fbemu/fbdev-defio';
import { check } from '@fbemu/gem-shmem';
import { inject, injectable } from 'inversify';
import { type SchedulerLike, Subject, type Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import { checkFrame } from '../frame.js';
import { checkBindAllowed } from '../loopback.js';
import { type FrameSource, type Output, type OutputStats, RFB_OPTIONS } from '../tokens.js';
import { DEFAULT_PARSER_LIMITS } from './parser.js';
import {
  type RfbInputEvent,
  RfbSession,
  type SessionCounters,
  type SessionHost,
  type SessionLimits,
  zeroCounters,
} from './session.js';
import { ShadowFrame } from './shadow.js';
import { type ByteTransport, socketTransport, webSocketTransport } from './transport.js';

export interface RfbOptions extends SessionLimits {
  /** TCP listen address for native VNC clients (loopback unless `allowNonLoopback`) */
  host: string;
  /** TCP port; 0 picks a free one (read `port` after `start`) */
  port: number;
  /** false: no TCP listener, WebSocket clients only (through the viewer) */
  listenTcp: boolean;
  allowNonLoopback: boolean;
  /** the desktop name ServerInit announces */
  desktopName: string;
  /**
   * sessions (in the handshake or past it) at once; a further connection takes the slot of an
   * evictable session or is refused with an RFB failure reason (docs/rfb.md, "Connection policy")
   */
  maxClients: number;
  /** sessions from one address at once (every local viewer comes from 127.0.0.1) */
  maxClientsPerAddress: number;
  /** a client that has not completed the handshake (through ClientInit) by then is closed */
  handshakeTimeoutMs: number;
  /** a session still in its handshake after this long is evictable */
  handshakeGraceMs: number;
  /** a session past the handshake, with no update request outstanding and silent this long, is evictable */
  idleEvictMs: number;
  /** a refused, evicted or failed connection is dropped this long after its close even if the peer ignores it */
  closeGraceMs: number;
  /**
   * Damage is compared against the server's copy of the frame and only tiles that really changed
   * reach the sessions, which encode from that copy (docs/rfb.md, "Damage refinement"). false:
   * damage goes to the sessions as reported and they read the live frame.
   */
  refineDamage: boolean;
}

export const DEFAULT_RFB_OPTIONS: Readonly<RfbOptions> = Object.freeze({
  ...DEFAULT_PARSER_LIMITS,
  host: '127.0.0.1',
  port: 5900,
  listenTcp: true,
  allowNonLoopback: false,
  desktopName: 'fbemu',
  maxClients: 16,
  maxClientsPerAddress: 8,
  handshakeTimeoutMs: 10_000,
  handshakeGraceMs: 2_000,
  idleEvictMs: 30_000,
  closeGraceMs: 2_000,
  refineDamage: true,
  maxMessagesPerTurn: 128,
  // libvncserver's default cap is 50, wlroots' 20. Refined damage of a video (testsrc2) is ≈ 30
  // runs of 32×32 tiles per frame; above the cap a coarser grid takes over (coarsen.ts).
  maxRectsPerUpdate: 64,
  maxBufferedBytes: 1 << 20,
  maxPendingCopies: 16,
  jpeg: true,
  // TigerVNC waits 100 ms on a fast link; a little longer keeps a playing video from being
  // re-sent exactly between two frames that arrive late.
  losslessRefreshMs: 400,
});

/**
 * What `events$` reports besides client input: for logs and the composition root.
 * - `connected`: a session started (it may still fail its handshake);
 * - `disconnected`: a session ended; `evicted` when it gave its slot to a new connection;
 * - `refused`: a connection got no session; the client was sent `reason` as an RFB failure, unless
 *   `dropped` (too many connections open even for that: closed without a word).
 */
export type RfbServerEvent =
  | { type: 'connected'; session: number; transport: ByteTransport['kind']; remote: string }
  | {
      type: 'disconnected';
      session: number;
      transport: ByteTransport['kind'];
      remote: string;
      reason: string;
      evicted: boolean;
    }
  | { type: 'refused'; transport: ByteTransport['kind']; remote: string; reason: string; dropped: boolean }
  | RfbInputEvent;

/** The evictable session to close first: the oldest stale handshake, else the longest idle viewer. */
function evictionCandidate(
  sessions: Iterable<RfbSession>,
  now: number,
  o: Readonly<RfbOptions>,
): RfbSession | undefined {
  let stale: RfbSession | undefined;
  let idle: RfbSession | undefined;
  for (const s of sessions) {
    if (!s.isReady) {
      if (now - s.openedAt >= o.handshakeGraceMs && (!stale || s.openedAt < stale.openedAt)) stale = s;
    } else if (!s.isWaiting && now - s.lastActivity >= o.idleEvictMs) {
      if (!idle || s.lastActivity < idle.lastActivity) idle = s;
    }
  }
  return stale ?? idle;
}

/**
 * The RFB 3.8 server output: one protocol implementation (`RfbSession`) over TCP sockets and
 * WebSockets alike. Damage goes to every session's own region; each client pulls updates at its
 * own pace. Client input and connection changes come out of `events$`.
 */
@injectable()
export class RfbServer implements Output, SessionHost {
  readonly name = 'rfb';
  readonly events$ = new Subject<RfbServerEvent>();
  readonly limits: Readonly<SessionLimits>;
  private fb: FrameSource | undefined;
  /** the frame as the sessions were last told about it, when `refineDamage` */
  private readonly shadow: ShadowFrame | undefined;
  /** damage went by while no session was there: the copy is retaken at the next connection */
  private shadowStale = false;
  private readonly sessions = new Set<RfbSession>();
  private readonly retired: SessionCounters = zeroCounters();
  private readonly handshakeTimers = new Map<RfbSession, Subscription>();
  /** refused connections being told why */
  private readonly refusing = new Set<RfbSession>();
  /** closed connections whose peer has not closed yet, each dropped at `closeGraceMs` */
  private readonly lingering = new Map<ByteTransport, Subscription>();
  private readonly evicted = new WeakSet<RfbSession>();
  private nextId = 1;
  private tcp: Server | undefined;

  constructor(
    @inject(RFB_OPTIONS) private readonly options: Readonly<RfbOptions>,
    @inject(SCHEDULER) readonly scheduler: SchedulerLike,
  ) {
    this.limits = options;
    if (options.refineDamage) this.shadow = new ShadowFrame();
    if (options.listenTcp) checkBindAllowed(options.host, options.allowNonLoopback, 'the RFB server');
  }

  get frame(): FrameSource {
    check(this.fb !== undefined, 'ENODEV', 'no framebuffer attached');
    return this.fb;
  }

  get source(): FrameSource {
    const fb = this.frame;
    return this.shadow ?? fb;
  }

  get desktopName(): string {
    return this.options.desktopName;
  }

  /** The TCP port clients connect to (after `start`). */
  get port(): number {
    const addr = this.tcp?.address();
    check(addr != null && typeof addr === 'object', 'ENODEV', 'the RFB server is not listening on TCP');
    return addr.port;
  }

  attach(fb: FrameSource): void {
    checkFrame(fb);
    this.fb = fb;
    this.shadow?.reset(fb);
  }

  async start(): Promise<void> {
    this.frame; // ENODEV before any client can connect
    if (!this.options.listenTcp || this.tcp) return;
    const server = createServer((socket: Socket) => this.accept(socketTransport(socket)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.tcp = server;
  }

  /**
   * False when even a refusal cannot be afforded: sessions, refusals in progress and closing
   * connections add up to twice `maxClients`. The viewer then answers 503 before the upgrade, so
   * open WebSockets (each holding at most one `maxPayload` message) stay bounded.
   */
  get hasRoom(): boolean {
    return this.sessions.size + this.refusing.size + this.lingering.size < 2 * this.options.maxClients;
  }

  /** Serves RFB over an already-upgraded WebSocket (the viewer's /websockify endpoint). */
  acceptWebSocket(ws: WebSocket, address: string, port: number | undefined): void {
    this.accept(webSocketTransport(ws, address, port));
  }

  /** Serves RFB over any byte stream: a session if there is room (evicting if need be), else a refusal. */
  accept(transport: ByteTransport): void {
    const room = this.hasRoom;
    const refusal = room ? this.admit(transport.address) : `${2 * this.options.maxClients} connections open`;
    if (refusal !== undefined) {
      this.refuse(transport, refusal, !room);
      return;
    }
    if (this.shadowStale) this.shadow?.reset(this.frame);
    this.shadowStale = false;
    const session = new RfbSession(this.nextId++, transport, this);
    this.sessions.add(session);
    this.handshakeTimers.set(
      session,
      this.scheduler.schedule(() => {
        if (!session.isReady) session.close(`no handshake within ${this.options.handshakeTimeoutMs} ms`);
      }, this.options.handshakeTimeoutMs),
    );
    this.events$.next({
      type: 'connected',
      session: session.id,
      transport: transport.kind,
      remote: transport.remote,
    });
    session.start();
  }

  damage(rects: Iterable<Rect>): void {
    const fb = this.frame;
    const shadow = this.shadow;
    // A frame swapped without its resize yet: taken whole, its damage passed on as is.
    const whole = shadow !== undefined && !shadow.fits(fb);
    if (whole) shadow.reset(fb);
    if (this.sessions.size === 0) {
      // Nobody to tell: no compare, the copy is retaken when a client connects.
      this.shadowStale = shadow !== undefined;
      return;
    }
    for (const r of rects) {
      const c = r.clipTo(fb.width, fb.height);
      if (c.isEmpty()) continue;
      // Refined before it reaches any session: every session sees each change of the copy.
      if (shadow === undefined || whole) this.damageSessions(c.x1, c.y1, c.x2, c.y2);
      else shadow.refine(fb, c.x1, c.y1, c.x2, c.y2).forEachRect(this.damageSessions);
    }
    for (const s of this.sessions) s.flush();
  }

  private readonly damageSessions = (x1: number, y1: number, x2: number, y2: number): void => {
    for (const s of this.sessions) s.damage(x1, y1, x2, y2);
  };

  /**
   * The compositor just moved pixels: the framebuffer block `src` now also sits with its top-left
   * at (dx, dy). Call it before damaging what the move uncovered, so the clients' copy of `src` is
   * still known to be current. Both rects must lie inside the framebuffer (EINVAL).
   */
  copyRect(src: Rect, dx: number, dy: number): void {
    const { width, height } = this.frame;
    const dst = src.translate(dx - src.x1, dy - src.y1);
    check(
      !src.isEmpty() && src.clipTo(width, height).equals(src),
      'EINVAL',
      `copy source ${src} is outside the frame`,
    );
    check(dst.clipTo(width, height).equals(dst), 'EINVAL', `copy destination ${dst} is outside the frame`);
    const op = { sx: src.x1, sy: src.y1, dx, dy, w: src.width, h: src.height };
    if (this.shadow?.fits(this.frame)) this.shadow.copyRect(src, dx, dy);
    else this.shadow?.reset(this.frame);
    for (const s of this.sessions) s.copyRect(op);
  }

  resize(width: number, height: number): void {
    const fb = this.frame;
    checkFrame(fb);
    check(
      fb.width === width && fb.height === height,
      'EINVAL',
      `resize to ${width}x${height} but the frame is ${fb.width}x${fb.height}`,
    );
    this.shadow?.reset(fb);
    for (const s of this.sessions) s.resize();
  }

  input(event: RfbInputEvent): void {
    this.events$.next(event);
  }

  sessionClosed(session: RfbSession, reason: string): void {
    this.handshakeTimers.get(session)?.unsubscribe();
    this.handshakeTimers.delete(session);
    this.linger(session.transport);
    if (this.refusing.delete(session) || !this.sessions.delete(session)) return;
    for (const k of Object.keys(this.retired) as (keyof typeof this.retired)[])
      this.retired[k] += session.counters[k];
    const { kind, remote } = session.transport;
    const evicted = this.evicted.has(session);
    this.events$.next({
      type: 'disconnected',
      session: session.id,
      transport: kind,
      remote,
      reason,
      evicted,
    });
  }

  transportClosed(session: RfbSession): void {
    this.lingering.get(session.transport)?.unsubscribe();
    this.lingering.delete(session.transport);
  }

  /**
   * Makes room for a connection from `address`, evicting one evictable session if a limit is
   * reached; otherwise says why there is none.
   */
  private admit(address: string): string | undefined {
    const { maxClients, maxClientsPerAddress } = this.options;
    const same = [...this.sessions].filter((s) => s.transport.address === address);
    if (same.length >= maxClientsPerAddress && !this.evictOne(same))
      return `too many viewers from ${address} (max ${maxClientsPerAddress}) and none idle`;
    if (this.sessions.size >= maxClients && !this.evictOne(this.sessions))
      return `too many viewers (max ${maxClients}) and none idle`;
    return undefined;
  }

  private evictOne(candidates: Iterable<RfbSession>): boolean {
    const now = this.scheduler.now();
    const victim = evictionCandidate(candidates, now, this.options);
    if (victim === undefined) return false;
    const why = victim.isReady
      ? `idle for ${Math.floor((now - victim.lastActivity) / 1000)} s`
      : `handshake unfinished after ${now - victim.openedAt} ms`;
    this.evicted.add(victim);
    victim.close(`evicted (${why}): a new viewer needed the slot`);
    return true;
  }

  /** Tells the client `reason` as an RFB failure (or, `dropped`, closes it without a word). */
  private refuse(transport: ByteTransport, reason: string, dropped: boolean): void {
    this.events$.next({
      type: 'refused',
      transport: transport.kind,
      remote: transport.remote,
      reason,
      dropped,
    });
    if (dropped) {
      transport.destroy();
      return;
    }
    const session = new RfbSession(0, transport, this, reason);
    this.refusing.add(session);
    // It has until the close grace to send its version and read the answer.
    this.handshakeTimers.set(
      session,
      this.scheduler.schedule(() => session.destroy('refusal unanswered'), this.options.closeGraceMs),
    );
    session.start();
  }

  /** A closed transport is dropped for good after `closeGraceMs`, whatever its peer does. */
  private linger(transport: ByteTransport): void {
    if (this.lingering.has(transport)) return;
    this.lingering.set(
      transport,
      this.scheduler.schedule(() => {
        this.lingering.delete(transport);
        transport.destroy();
      }, this.options.closeGraceMs),
    );
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions, ...this.refusing]) s.destroy('server closing');
    for (const [transport, timer] of this.lingering) {
      timer.unsubscribe();
      transport.destroy();
    }
    this.lingering.clear();
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  stats(): OutputStats {
    const total = { ...this.retired };
    for (const s of this.sessions) {
      for (const k of Object.keys(total) as (keyof SessionCounters)[]) total[k] += s.counters[k];
    }
    return { clients: this.sessions.size, ...total };
  }
}
