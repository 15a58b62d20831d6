// Worker half of example.mjs: stores go through the shared dirty bitmap.
import { workerData } from 'node:worker_threads';
import { attachFbMapping } from '@fbemu/fbdev-defio';

const map = attachFbMapping(workerData);
const row = 700 * 1024 * 4;
for (let x = 0; x < 1024; x++) map.setUint32(row + x * 4, 0xff00ff00);
