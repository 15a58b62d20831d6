// Run after `pnpm build` (or `node packages/chrdev/native/build.mjs && npx tsc -b`) at the root:
//   node packages/chrdev/example.mjs
// Serves /dev/demo0 (a 4-page memory device) to a real program: dd writes into it with write(2)
// under the preload library, then the device's contents are printed.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { ChrdevRegistry, FrontDoor, loadNative, sharedMemoryAllocator } from '@fbemu/chrdev';
import { asyncScheduler } from 'rxjs';

const memory = sharedMemoryAllocator(loadNative())(4 * 4096);
const bytes = new Uint8Array(memory.buffer);
const registry = new ChrdevRegistry();
registry.register({
  path: '/dev/demo0',
  major: 240,
  minor: 0,
  fops: {
    open: (file) => console.log(`open by ${file.process.comm} (pid ${file.process.pid})`),
    write(_file, buf, count, ppos, mem) {
      const n = Math.min(count, bytes.length - ppos.pos);
      bytes.set(mem.read(buf, n), ppos.pos); // copy_from_user through /proc/PID/mem
      ppos.pos += n;
      return n;
    },
    mmap: () => ({ memory, byteOffset: 0, length: bytes.length }),
    release: () => console.log('release'),
  },
});
const door = new FrontDoor(registry, asyncScheduler);
door.start({ socketPath: '/tmp/fbemu-demo.sock', log: console.log });
const env = { ...process.env, ...door.env() };

// the server runs on this event loop: spawn, never spawnSync
const dd = spawn('sh', ['-c', 'printf "hello from dd" | dd of=/dev/demo0 status=none'], {
  env,
  stdio: 'inherit',
});
await new Promise((resolve) => dd.on('close', resolve));
console.log(`device holds: "${Buffer.from(bytes.subarray(0, 13)).toString()}"`);
door.close();
