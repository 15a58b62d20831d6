import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { CompositorApp } from './app/app.js';
import type { ProgramClient } from './clients/program-client.js';
import { RfbTestClient } from './output/rfb/test-client.js';
import {
  frameWhere,
  program,
  RecordingLog,
  rfbPort,
  rgbOfBgra,
  rgbOfWords,
  sameRgb,
  startApp,
  viewerSocketUrl,
} from './programs-test-support.js';

/**
 * End-to-end: real DRM dumb-buffer programs other than modetest run unmodified on `--run --drm`:
 * mpv's `--vo=drm` and Qt's linuxfb platform in its DRM mode. Each one's frame is compared with
 * what it must show, on the compositor's output and on an RFB client. Waits are on events.
 */
const W = 640;
const H = 480;
/** frames of mpv's clip */
const FRAMES = 5;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'fbemu-drmprog-'));
}

/** The output pixels (RGB) once the program's CRTC plane is mounted and lit. */
function shows(app: CompositorApp, client: ProgramClient, rgb: Uint32Array): () => boolean {
  const drmPlane = `${client.config.name}:drm`;
  return () =>
    app.compositor.stack.some((p) => p.id === drmPlane) && sameRgb(rgbOfWords(app.compositor.pixels), rgb);
}

/** The RGB an RFB client connected now receives for the whole screen: over TCP (VNC) or noVNC's WebSocket. */
async function rfbScreen(via: 'tcp' | 'websocket'): Promise<Uint32Array> {
  const client = await (via === 'tcp'
    ? RfbTestClient.tcp(rfbPort)
    : RfbTestClient.webSocket(viewerSocketUrl));
  try {
    await client.handshake();
    client.requestUpdate(false);
    await client.readUpdate();
    return rgbOfWords(client.screen);
  } finally {
    client.close();
  }
}

/** Resolves when the output shows `rgb`; rejects if the program exits first. */
async function untilShown(app: CompositorApp, client: ProgramClient, rgb: Uint32Array): Promise<void> {
  const exited = (client.exited ?? Promise.resolve('not started')).then((e) => {
    throw new Error(`${client.config.name} exited before its frame was shown: ${JSON.stringify(e)}`);
  });
  await Promise.race([frameWhere(app, shows(app, client, rgb)), exited]);
}

/**
 * Watches every composite for `pictures` (RGB of the whole output) appearing in order from
 * `first`; `next` is how far it got.
 */
function inOrder(app: CompositorApp, pictures: Uint32Array[], first: number) {
  const state = { next: first, stop: () => sub.unsubscribe() };
  const sub = app.compositor.frames$.subscribe(() => {
    const out = rgbOfWords(app.compositor.pixels);
    if (state.next < pictures.length && sameRgb(out, pictures[state.next])) state.next++;
  });
  return state;
}

describe('real DRM programs in the compositor (--run --drm)', function () {
  this.timeout(60_000);
  let app: CompositorApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('mpv --vo=drm: every page-flipped frame of the clip reaches the output bit for bit, in order; VNC and noVNC get the last', async () => {
    // testsrc2 frames (each with its own timecode) as raw bgr0 at the mode's size: mpv neither
    // scales nor changes the pixel format (XRGB8888 is bgr0), so each frame must arrive exactly
    const clip = join(tempDir(), 'testsrc2.nut');
    const source = ['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=30`];
    const make = spawnSync('ffmpeg', [
      ...source,
      '-frames:v',
      String(FRAMES),
      '-c:v',
      'rawvideo',
      '-pix_fmt',
      'bgr0',
      '-y',
      clip,
    ]);
    expect(make.status, String(make.stderr)).to.equal(0);
    const decoded = spawnSync(
      'ffmpeg',
      ['-loglevel', 'error', '-i', clip, '-pix_fmt', 'bgra', '-f', 'rawvideo', '-'],
      {
        maxBuffer: 1 << 25,
      },
    );
    const frames = Array.from({ length: FRAMES }, (_, i) =>
      rgbOfBgra(decoded.stdout.subarray(i * W * H * 4, (i + 1) * W * H * 4)),
    );
    expect(frames.every((f) => f.length === W * H)).to.equal(true);
    expect(sameRgb(frames[0], frames[FRAMES - 1])).to.equal(false);
    // no frame dropping: each frame waits for the previous flip's event, which the compositor sends
    // after compositing it; keep-open leaves the last frame up
    const mpv = `mpv --no-config --no-terminal --vo=drm --drm-device=/dev/dri/card0 --ao=null --osd-level=0 --framedrop=no --keep-open=always ${clip}`;
    app = await startApp(['--drm', '--run', mpv], new RecordingLog(), true);
    const running = app;
    const client = program(running, 'mpv');
    // mpv draws frame 0 into the buffer its SETCRTC already shows (no DIRTYFB): tracked stores
    // reach the output after the writeback delay (50 ms), and by then mpv has flipped to frame 1;
    // every later frame comes by PAGE_FLIP and must be composited before mpv may flip again
    const seen = inOrder(running, frames, 1);
    try {
      await untilShown(running, client, frames[FRAMES - 1]);
    } finally {
      seen.stop();
    }
    expect(seen.next, 'flipped clip frames seen on the output, in order').to.equal(FRAMES);
    expect(client.devices.drm?.source.stats.flips, 'mpv page-flips its buffers').to.be.at.least(FRAMES - 1);
    expect(sameRgb(await rfbScreen('tcp'), frames[FRAMES - 1]), 'VNC').to.equal(true);
    expect(sameRgb(await rfbScreen('websocket'), frames[FRAMES - 1]), 'noVNC').to.equal(true);
  });

  it('Qt linuxfb (QT_QPA_FB_DRM=1): each colour a widget paints is flipped and composited in order; VNC and noVNC get the last', async () => {
    const script = join(tempDir(), 'fill.py');
    writeFileSync(
      script,
      [
        'import sys',
        'from PyQt5.QtCore import QTimer',
        'from PyQt5.QtGui import QColor, QPainter',
        'from PyQt5.QtWidgets import QApplication, QWidget',
        'COLOURS = [int(c, 16) for c in sys.argv[1:]]',
        'class Fill(QWidget):',
        '    shown = 0',
        '    def paintEvent(self, event):',
        '        QPainter(self).fillRect(self.rect(), QColor(COLOURS[self.shown]))',
        '        if self.shown < len(COLOURS) - 1:',
        '            self.shown += 1',
        '            QTimer.singleShot(0, self.update)  # the next colour, after this one is flushed',
        'app = QApplication(sys.argv)',
        'w = Fill()',
        'w.showFullScreen()',
        'app.exec_()',
        '',
      ].join('\n'),
    );
    const colours = [0x123456, 0xab0000, 0x00cd00, 0x0000ef];
    const env = [
      'QT_QPA_PLATFORM=linuxfb:fb=/dev/dri/card0',
      'QT_QPA_FB_DRM=1',
      'QT_QPA_FB_NO_LIBINPUT=1',
      'QT_QPA_FB_HIDECURSOR=1',
    ];
    const args = colours.map((c) => c.toString(16)).join(' ');
    // Debian's python3, which has PyQt5 (python3-pyqt5), whatever python3 comes first in PATH
    app = await startApp(
      ['--drm', '--run', `env ${env.join(' ')} /usr/bin/python3 ${script} ${args}`],
      new RecordingLog(),
      true,
    );
    const client = program(app, 'env');
    const fills = colours.map((c) => new Uint32Array(W * H).fill(c));
    // Qt flips after each paint and blocks in drmHandleEvent until the flip's event, which the
    // compositor sends after compositing it: every colour is on the output before the next
    const seen = inOrder(app, fills, 0);
    try {
      await untilShown(app, client, fills[fills.length - 1]);
    } finally {
      seen.stop();
    }
    expect(seen.next, 'colours seen on the output, in order').to.equal(fills.length);
    expect(sameRgb(await rfbScreen('tcp'), fills[fills.length - 1]), 'VNC').to.equal(true);
    expect(sameRgb(await rfbScreen('websocket'), fills[fills.length - 1]), 'noVNC').to.equal(true);
  });
});
