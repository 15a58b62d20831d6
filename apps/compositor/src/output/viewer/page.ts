/** Where the page's one script is served: noVNC's modules and `VIEWER_MAIN`, bundled. */
export const SCRIPT_PATH = '/viewer.js';

/** A small icon (a screen), so browsers do not ask for a missing /favicon.ico. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">
<rect x="1" y="2" width="14" height="10" rx="1" fill="#1d1f21" stroke="#8c8" stroke-width="1.5"/>
<rect x="5" y="13" width="6" height="1.5" fill="#8c8"/>
</svg>
`;

/**
 * The viewer page served at `/`: one script (`SCRIPT_PATH`), the WebSocket path in
 * `data-ws-path`, a status line, a hint on input (shown while connected, in windows wider than
 * 320 CSS pixels) and the scaling toggle.
 */
export function viewerPage(wsPath: string, title: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
  html, body { margin: 0; height: 100%; background: #1d1f21; color: #ddd; font: 13px system-ui, sans-serif; }
  #screen { position: fixed; inset: 0; }
  #bar { position: fixed; top: 0; right: 0; display: flex; gap: 6px; align-items: center;
    padding: 2px 4px 2px 8px; background: #000a; z-index: 1; white-space: nowrap; }
  #hint { color: #999; display: none; }
  body[data-rfb="connected"] #hint { display: inline; }
  @media (max-width: 320px) { body[data-rfb="connected"] #hint { display: none; } }
  #bar button { font: inherit; color: inherit; background: #333; border: 1px solid #555; border-radius: 3px; padding: 0 6px; }
  body[data-rfb="connected"] #status { color: #8c8; }
  body[data-rfb="disconnected"] #status, body[data-rfb="refused"] #status { color: #e66; }
</style>
</head>
<body data-rfb="connecting" data-ws-path="${esc(wsPath)}">
<div id="screen"></div>
<div id="bar"><span id="status">connecting…</span><span id="hint">click a program to type into it · Ctrl+drag moves a window</span><button id="scale" type="button"></button></div>
<script type="module" src="${SCRIPT_PATH}"></script>
</body>
</html>
`;
}

/**
 * The page's own code, run after noVNC's modules are linked (`entry` is `core/rfb.js`'s namespace).
 *
 * - Scaling: "fit" (default) shows the desktop at 1:1 pixels when it fits the window and scales it
 *   down when it does not (never up); "1:1" never scales (scroll bars instead). The button toggles,
 *   the choice is kept in localStorage. Re-applied on window resizes and desktop size changes.
 * - Reconnect: after any disconnect a new connection is tried after a back-off of 0.5 s doubling to
 *   10 s, back to 0.5 s once connected.
 * - Focus: the canvas gets the keyboard focus on connect and back after the scaling button, so a
 *   Ctrl held before a click is seen (Ctrl+drag) and typing needs no extra click on the desktop.
 * - State for people and tests: `document.body.dataset.rfb` is 'connecting' | 'connected' |
 *   'disconnected' | 'refused'; `dataset.reason` holds the server's refusal reason;
 *   `window.rfbConnected` is true while connected; `dataset.scale` is 'fit' | '1:1'.
 */
export const VIEWER_MAIN = `
const RFB = entry.default;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10000;
const body = document.body;
const screen = document.getElementById('screen');
const status = document.getElementById('status');
const scaleButton = document.getElementById('scale');
const wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + body.dataset.wsPath;
let fit = localStorage.getItem('fbemu.scale') !== '1:1';
let rfb;
let refusal;
let retryMs = RETRY_FIRST_MS;

function show(state, text) {
  body.dataset.rfb = state;
  status.textContent = text;
  window.rfbConnected = state === 'connected';
}

/** "fit" scales only when the desktop (the canvas' own size) is larger than the window. */
function applyScale() {
  body.dataset.scale = fit ? 'fit' : '1:1';
  scaleButton.textContent = fit ? 'fit' : '1:1';
  scaleButton.title = fit ? 'scaled down when larger than the window; click for 1:1' : '1:1 pixels; click to fit';
  const canvas = screen.querySelector('canvas');
  if (!rfb || !canvas) return;
  const larger = canvas.width > screen.clientWidth || canvas.height > screen.clientHeight;
  const scale = fit && larger;
  if (rfb.scaleViewport !== scale) rfb.scaleViewport = scale;
}

scaleButton.addEventListener('click', () => {
  fit = !fit;
  localStorage.setItem('fbemu.scale', fit ? 'fit' : '1:1');
  applyScale();
  rfb?.focus({ preventScroll: true }); // the button took the focus: hand it back to the desktop
});
window.addEventListener('resize', applyScale);
// the canvas' width/height attributes follow the desktop size (DesktopSize)
new MutationObserver(applyScale).observe(screen, { attributes: true, subtree: true, attributeFilter: ['width', 'height'] });

function connect() {
  refusal = undefined;
  const r = new RFB(screen, wsUrl, { shared: true });
  rfb = r;
  window.rfb = r;
  applyScale();
  r.addEventListener('connect', () => {
    retryMs = RETRY_FIRST_MS;
    body.dataset.reason = '';
    show('connected', 'connected');
    applyScale();
    // keys reach noVNC only while its canvas has the focus: give it now, so a Ctrl held before the
    // first click is seen and Ctrl+drag works from the start (keys before any click reach no program)
    r.focus({ preventScroll: true });
  });
  r.addEventListener('securityfailure', (e) => {
    refusal = e.detail.reason || 'refused by the server';
  });
  r.addEventListener('desktopname', (e) => { document.title = e.detail.name; });
  r.addEventListener('disconnect', (e) => {
    if (rfb === r) rfb = undefined;
    const wait = retryMs;
    retryMs = Math.min(2 * retryMs, RETRY_MAX_MS);
    const why = refusal !== undefined ? 'refused: ' + refusal : e.detail.clean ? 'disconnected' : 'connection lost';
    body.dataset.reason = refusal ?? '';
    show(refusal !== undefined ? 'refused' : 'disconnected', why + ' (reconnecting in ' + (wait / 1000) + ' s)');
    setTimeout(connect, wait);
  });
}

window.rfbConnected = false;
applyScale();
connect();
`;
