import { isIPv6 } from 'node:net';
import type { AppEndpoints } from '../app/app.js';
import type { SceneConfig } from '../config/scene-config.js';

/** VNC clients' `host::port` form; an IPv6 literal goes in brackets (`[::1]::5900`). */
export function vncAddress(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}::${port}`;
}

export interface BannerOptions {
  snapshot?: string;
  durationS?: number;
}

/** What the CLI prints once it runs: where to look, and how it will stop. */
export function bannerLines(scene: SceneConfig, where: AppEndpoints, options: BannerOptions): string[] {
  const vnc = where.rfbPort !== undefined ? vncAddress(scene.rfb.host, where.rfbPort) : undefined;
  return [
    `fbemu compositor: ${scene.output.width}x${scene.output.height}, ${scene.clients.length} clients, defio delay ${scene.delayMs} ms`,
    where.viewerUrl ? `  viewer (noVNC):  ${where.viewerUrl}` : '  viewer: off (--headless)',
    vnc ? `  VNC (RFB 3.8):  ${vnc}   e.g. vncviewer ${vnc}` : '  VNC: off (--headless)',
    where.pngDir
      ? `  PNG frames:     ${where.pngDir}/ (every ${scene.png.intervalMs} ms when something changed)`
      : '  PNG frames: off',
    options.snapshot
      ? `  snapshot:       ${options.snapshot} (on exit)`
      : '  snapshot: pass --snapshot FILE to save the last frame on exit',
    options.durationS !== undefined
      ? `  stopping after ${options.durationS} s (Ctrl-C stops sooner)`
      : '  Ctrl-C stops (clients flush their last frame first; twice forces)',
  ];
}
