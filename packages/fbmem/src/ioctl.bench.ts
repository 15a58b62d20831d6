import { queueScheduler } from 'rxjs';
import type { BenchModule } from '../../../tools/bench.js';
import { makeFb, openFile } from './test-support.js';
import { encodeVar, FBIOGET_FSCREENINFO, FBIOGET_VSCREENINFO } from './uapi.js';

/**
 * The screeninfo ioctls a program like ffmpeg issues once per frame. Baseline: encoding the var
 * for every call (what answering without the cached encoding would cost); cases: the ioctls
 * through the file operations, cached encoding + copy_to_user into the process's memory.
 */
function scenario() {
  const fb = makeFb(queueScheduler, { width: 1920, height: 1080 });
  const file = openFile(fb.chrdev);
  const arg = fb.mem.alloc(160);
  const ioctl = fb.fops.ioctl!.bind(fb.fops);
  let sink = 0;
  return {
    encode: () => {
      sink += encodeVar(fb.device.var)[0];
    },
    getVar: () => {
      sink += ioctl(file, FBIOGET_VSCREENINFO, arg, fb.mem);
    },
    getFix: () => {
      sink += ioctl(file, FBIOGET_FSCREENINFO, arg, fb.mem);
    },
    sink: () => sink,
  };
}

export default {
  suites: () => {
    const s = scenario();
    return [
      {
        title: 'fbdev screeninfo ioctls (1920×1080 XRGB8888)',
        detail: 'One ioctl per call through FbFileOperations with a fake process memory.',
        baseline: { name: 'encode fb_var_screeninfo per call (no cache)', fn: s.encode },
        cases: [
          { name: 'FBIOGET_VSCREENINFO (cached encoding)', fn: s.getVar },
          { name: 'FBIOGET_FSCREENINFO (cached encoding)', fn: s.getFix },
        ],
      },
    ];
  },
} satisfies BenchModule;
