/**
 * The viewer page served at `/`: noVNC's RFB client (an ES module served from the installed
 * `@novnc/novnc` under /novnc/) connected to this same server's WebSocket endpoint. It fills the
 * window, shows the connection state, and exposes it to tests as `window.rfbConnected` and
 * `document.body.dataset.rfb` ('connecting' | 'connected' | 'disconnected').
 */
export function viewerPage(wsPath: string, title: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
  html, body { margin: 0; height: 100%; background: #1d1f21; color: #ddd; font: 13px system-ui, sans-serif; }
  #screen { position: fixed; inset: 0; }
  #status { position: fixed; top: 0; right: 0; padding: 2px 8px; background: #000a; z-index: 1; }
  body[data-rfb="connected"] #status { color: #8c8; }
  body[data-rfb="disconnected"] #status { color: #e66; }
</style>
</head>
<body data-rfb="connecting">
<div id="screen"></div>
<div id="status">connecting…</div>
<script type="module">
import RFB from '/novnc/core/rfb.js';

const status = document.getElementById('status');
function show(state, text) {
  document.body.dataset.rfb = state;
  status.textContent = text;
  window.rfbConnected = state === 'connected';
}
window.rfbConnected = false;
const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
const rfb = new RFB(document.getElementById('screen'), scheme + location.host + ${JSON.stringify(wsPath)}, { shared: true });
// Scale down to fit the window; 1:1 pixels when the window is large enough.
rfb.scaleViewport = true;
rfb.addEventListener('connect', () => show('connected', 'connected'));
rfb.addEventListener('disconnect', (e) => show('disconnected', e.detail.clean ? 'disconnected' : 'connection lost'));
rfb.addEventListener('desktopname', (e) => { document.title = e.detail.name; });
window.rfb = rfb;
</script>
</body>
</html>
`;
}
