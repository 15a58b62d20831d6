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
  /** connections above this many are closed at once (a loopback client cannot exhaust the process) */
  maxClients: number;
  /** a client that has not completed the handshake (through ClientInit) by then is closed */
  handshakeTimeoutMs: number;
}

export const DEFAULT_RFB_OPTIONS: Readonly<RfbOptions> = Object.freeze({
  ...DEFAULT_PARSER_LIMITS,
  host: '127.0.0.1',
  port: 5900,
  listenTcp: true,
  allowNonLoopback: false,
  desktopName: 'fbemu',
  maxClients: 16,
  handshakeTimeoutMs: 10_000,
  // libvncserver's default cap is 50, wlroots' 20; the bounding box takes over above it.
  maxRectsPerUpdate: 32,
  maxBufferedBytes: 1 << 20,
  maxPendingCopies: 16,
});

export type RfbServerEvent =
  | { type: 'connected'; session: number; transport: ByteTransport['kind']; remote: string }
  | { type: 'disconnected'; session: number; reason: string }
  | { type: 'refused'; transport: ByteTransport['kind']; remote: string; reason: string }
  | RfbInputEvent;

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
  private readonly sessions = new Set<RfbSession>();
  private readonly retired: SessionCounters = zeroCounters();
  private readonly handshakeTimers = new Map<RfbSession, Subscription>();
  private nextId = 1;
  private tcp: Server | undefined;

  constructor(
    @inject(RFB_OPTIONS) private readonly options: Readonly<RfbOptions>,
    @inject(SCHEDULER) private readonly scheduler: SchedulerLike,
  ) {
    this.limits = options;
    if (options.listenTcp) checkBindAllowed(options.host, options.allowNonLoopback, 'the RFB server');
  }

  get frame(): FrameSource {
    check(this.fb !== undefined, 'ENODEV', 'no framebuffer attached');
    return this.fb;
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

  /** Serves RFB over an already-upgraded WebSocket (the viewer's /websockify endpoint). */
  acceptWebSocket(ws: WebSocket, remote: string): void {
    this.accept(webSocketTransport(ws, remote));
  }

  /** Serves RFB over any byte stream. */
  accept(transport: ByteTransport): void {
    if (this.sessions.size >= this.options.maxClients) {
      const reason = `too many clients (max ${this.options.maxClients})`;
      transport.close(reason);
      this.events$.next({ type: 'refused', transport: transport.kind, remote: transport.remote, reason });
      return;
    }
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
    const { width, height } = this.frame;
    for (const r of rects) {
      const c = r.clipTo(width, height);
      if (c.isEmpty()) continue;
      for (const s of this.sessions) s.damage(c.x1, c.y1, c.x2, c.y2);
    }
    for (const s of this.sessions) s.flush();
  }

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
    for (const s of this.sessions) s.resize();
  }

  input(event: RfbInputEvent): void {
    this.events$.next(event);
  }

  sessionClosed(session: RfbSession, reason: string): void {
    this.handshakeTimers.get(session)?.unsubscribe();
    this.handshakeTimers.delete(session);
    if (!this.sessions.delete(session)) return;
    for (const k of Object.keys(this.retired) as (keyof typeof this.retired)[])
      this.retired[k] += session.counters[k];
    this.events$.next({ type: 'disconnected', session: session.id, reason });
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions]) s.destroy('server closing');
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
