import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { check } from '@fbemu/gem-shmem';
import { inject, injectable } from 'inversify';
import { WebSocketServer } from 'ws';
import { checkBindAllowed, isLoopbackHost } from '../loopback.js';
import type { RfbServer } from '../rfb/server.js';
import { RFB_SERVER, VIEWER_OPTIONS } from '../tokens.js';
import { bundleScript, moduleGraph } from './bundle.js';
import { FAVICON_SVG, SCRIPT_PATH, VIEWER_MAIN, viewerPage } from './page.js';
import { noVncRoot, readStatic } from './static-files.js';

export interface ViewerOptions {
  /** loopback unless `allowNonLoopback` */
  host: string;
  /** 0 picks a free port (read `port` after `start`) */
  port: number;
  allowNonLoopback: boolean;
  /** page title */
  title: string;
  /**
   * Host names (without port) accepted in the `Host` header besides loopback names and addresses
   * and the listen address itself: e.g. a machine name used with `allowNonLoopback`. Anything
   * else is refused (403), so a DNS-rebound name cannot reach the page or the session.
   */
  allowedHosts: readonly string[];
}

export const DEFAULT_VIEWER_OPTIONS: Readonly<ViewerOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 6080,
  allowNonLoopback: false,
  title: 'fbemu',
  allowedHosts: [],
});

/** Where noVNC's WebSocket connects (websockify's conventional path). */
export const WEBSOCKET_PATH = '/websockify';
const NOVNC_PREFIX = '/novnc/';
/**
 * RFB is a byte stream: a WebSocket message may carry any slice of it, and noVNC sends at most
 * ~10 KiB per message (its send queue), long clipboard text included. ws refuses (1009) a larger
 * message, fragmented or not, so an open WebSocket holds at most this much in ws's buffers.
 */
export const MAX_WS_PAYLOAD = 64 * 1024;

/** The host name of a `Host` header value (port and IPv6 brackets removed, lower case), or undefined. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  try {
    const { hostname } = new URL(`http://${header}/`);
    return hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * A browser's WebSocket may come from any page the user has open, and WebSockets bypass CORS:
 * accept only the viewer's own origin (or no Origin at all: not a browser).
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Answers an upgrade that will not happen, then drops the socket (a peer ignoring the answer holds nothing). */
function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}

/**
 * The browser viewer: one HTTP port serving the page at `/`, its one script at `/viewer.js` (the
 * page code with noVNC's modules bundled, built at `start`), a favicon, noVNC's files under
 * `/novnc/` (for pages of your own), and RFB over WebSocket at `/websockify`, handed to the same
 * `RfbServer` TCP clients use.
 */
@injectable()
export class ViewerServer {
  private http: Server | undefined;
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_PAYLOAD,
    perMessageDeflate: false,
  });
  private readonly root = noVncRoot();
  /** the page's one script, built at `start` */
  private script = '';
  /** host names the `Host` header may carry besides loopback ones */
  private readonly hosts: ReadonlySet<string>;

  constructor(
    @inject(VIEWER_OPTIONS) private readonly options: Readonly<ViewerOptions>,
    @inject(RFB_SERVER) private readonly rfb: RfbServer,
  ) {
    checkBindAllowed(options.host, options.allowNonLoopback, 'the viewer');
    this.hosts = new Set([options.host, ...options.allowedHosts].map((h) => h.toLowerCase()));
  }

  /**
   * DNS rebinding: a page from `evil.example` whose name later resolves to 127.0.0.1 talks to this
   * server as same-origin, so the Origin check alone lets it in. The Host header still says
   * `evil.example`: only loopback names and addresses, the listen address and `allowedHosts` pass.
   */
  private hostAllowed(req: IncomingMessage): boolean {
    const name = hostName(req.headers.host);
    return name !== undefined && (isLoopbackHost(name) || this.hosts.has(name));
  }

  get port(): number {
    const addr = this.http?.address();
    check(addr != null && typeof addr === 'object', 'ENODEV', 'the viewer is not listening');
    return addr.port;
  }

  /** The page URL to open in a browser. */
  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}/`;
  }

  async start(): Promise<void> {
    if (this.http) return;
    const modules = await moduleGraph(this.root, 'core/rfb.js');
    this.script = bundleScript(modules, NOVNC_PREFIX, VIEWER_MAIN);
    const server = createServer((req, res) => {
      this.serve(req, res).catch(() => res.destroy());
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.http = server;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    const http = this.http;
    this.http = undefined;
    if (!http) return;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.hostAllowed(req)) return this.reply(res, 403, 'text/plain', 'host not allowed\n');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return this.reply(res, 405, 'text/plain', 'method not allowed\n');
    const path = new URL(req.url ?? '/', 'http://viewer').pathname;
    if (path === '/' || path === '/index.html') {
      return this.reply(res, 200, 'text/html; charset=utf-8', viewerPage(WEBSOCKET_PATH, this.options.title));
    }
    if (path === SCRIPT_PATH) return this.reply(res, 200, 'text/javascript; charset=utf-8', this.script);
    if (path === '/favicon.svg' || path === '/favicon.ico')
      return this.reply(res, 200, 'image/svg+xml', FAVICON_SVG);
    const file = path.startsWith(NOVNC_PREFIX)
      ? await readStatic(this.root, path.slice(NOVNC_PREFIX.length - 1))
      : undefined;
    if (file === undefined) return this.reply(res, 404, 'text/plain', 'not found\n');
    this.reply(res, 200, file.type, file.body);
  }

  private reply(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://viewer').pathname;
    const refusal =
      path !== WEBSOCKET_PATH
        ? '404 Not Found'
        : !this.hostAllowed(req) || !sameOrigin(req)
          ? '403 Forbidden'
          : !this.rfb.hasRoom
            ? '503 Service Unavailable'
            : undefined;
    if (refusal !== undefined) {
      refuseUpgrade(socket, refusal);
      return;
    }
    const { remoteAddress = 'unknown', remotePort } = req.socket;
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      this.rfb.acceptWebSocket(ws, remoteAddress, remotePort),
    );
  }
}
