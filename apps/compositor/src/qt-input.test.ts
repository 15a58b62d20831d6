import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XK } from '@fbemu/evdev';
import { expect } from 'chai';
import type { CompositorApp } from './app/app.js';
import { RfbTestClient } from './output/rfb/test-client.js';
import { startScene } from './programs-test-support.js';
import { type LogLine, RecordingLog } from './test-support/recording-log.js';

/**
 * End-to-end: a real Qt 5 program (PyQt5 on the linuxfb platform, /dev/fb0) reads the viewer's
 * keys and clicks from its /dev/input/event0 (keyboard) and event1 (absolute pointer) with Qt's
 * own evdevkeyboard and evdevmouse plugins, given the paths (no udev here). Real time; every wait
 * is on the program's output.
 */

/** A full-screen widget that prints each key press and each mouse press/release Qt gives it. */
const QT_INPUT = `
import sys
from PyQt5.QtWidgets import QApplication, QWidget
class Input(QWidget):
    def showEvent(self, e):
        print('ready', flush=True)
    def keyPressEvent(self, e):
        print('key %d %r' % (e.key(), e.text()), flush=True)
    def mousePressEvent(self, e):
        print('press %d %d %d' % (e.x(), e.y(), int(e.button())), flush=True)
    def mouseReleaseEvent(self, e):
        print('release %d %d %d' % (e.x(), e.y(), int(e.button())), flush=True)
app = QApplication(sys.argv)
w = Input()
w.showFullScreen()
app.exec_()
`;

/** The environment docs/input.md gives for Qt 5 linuxfb programs. */
const QT_ENV = [
  'QT_QPA_PLATFORM=linuxfb:fb=/dev/fb0',
  'QT_QPA_FB_DISABLE_INPUT=1',
  'QT_QPA_GENERIC_PLUGINS=evdevkeyboard:/dev/input/event0,evdevmouse:/dev/input/event1:abs',
  'QT_QPA_FB_HIDECURSOR=1',
];

const output = (lines: LogLine[]) => lines.filter((l) => l.fields.stream === 'stdout').map((l) => l.msg);
const starting = (prefix: string) => (lines: LogLine[]) => output(lines).filter((l) => l.startsWith(prefix));

describe('a Qt linuxfb program reads its evdev keyboard and pointer', function () {
  this.timeout(60_000);
  let dir: string;
  let app: CompositorApp | undefined;
  let vnc: RfbTestClient | undefined;
  let log = new RecordingLog();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fbemu-qt-input-'));
  });
  afterEach(async function () {
    // what Qt said, when it did not get there
    if (this.currentTest?.state !== 'passed')
      console.log(log.lines.map((l) => `${l.fields.stream} ${l.msg}`));
    vnc?.close();
    await app?.stop();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('PyQt5 with evdevkeyboard + evdevmouse:abs: key events with their texts, a click at the exact framebuffer pixel', async () => {
    const script = join(dir, 'input.py');
    writeFileSync(script, QT_INPUT);
    // Debian's python3, which has PyQt5 (python3-pyqt5), whatever python3 comes first in PATH
    const argv = ['env', ...QT_ENV, '/usr/bin/python3', script];
    log = new RecordingLog();
    const started = await startScene(
      dir,
      [{ name: 'qt', argv, x: 20, y: 10, width: 160, height: 120 }],
      log,
      {
        width: 200,
        height: 140,
      },
    );
    app = started.app;
    const { port } = started;
    await log.until('qt', (l) => output(l).includes('ready'));
    vnc = await RfbTestClient.tcp(port);
    await vnc.handshake();
    const click = (x: number, y: number) => {
      vnc?.pointerEvent(1, 20 + x, 10 + y);
      vnc?.pointerEvent(0, 20 + x, 10 + y);
    };
    const type = (...keysyms: number[]) => {
      for (const k of keysyms) {
        vnc?.keyEvent(true, k);
        vnc?.keyEvent(false, k);
      }
    };

    // the first click focuses the plane; Qt's evdev mouse handler reports the first event after
    // it opens the device at (0, 0) (its "previous position invalid" rule for relative mice)
    click(150, 100);
    await log.until('qt', (l) => starting('release')(l).length === 1);
    expect(starting('release')(log.of('qt'))).to.deep.equal(['release 150 100 1']);

    // framebuffer pixel (37, 29): the tablet's ABS_X/ABS_Y range is 0…159 × 0…119, Qt's scale 1
    click(37, 29);
    type(0x61, 0x62, XK.Return);
    vnc.keyEvent(true, XK.Shift_L);
    type(0x61);
    vnc.keyEvent(false, XK.Shift_L);
    await log.until('qt', (l) => starting('key')(l).length === 5 && starting('release')(l).length === 2);
    const qt = log.of('qt');
    expect(starting('press')(qt).slice(1)).to.deep.equal(['press 37 29 1']);
    expect(starting('release')(qt).slice(1)).to.deep.equal(['release 37 29 1']);
    expect(starting('key')(qt)).to.deep.equal([
      "key 65 'a'", // Qt::Key_A
      "key 66 'b'",
      "key 16777220 ''", // Qt::Key_Return (Qt's evdev keymap gives it no text)
      "key 16777248 ''", // Qt::Key_Shift
      "key 65 'A'",
    ]);
  });
});
