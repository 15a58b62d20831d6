// Runs every workspace member's tests (each in its own mocha process) and prints one
// total `N passed, N failed` as the last line. A member that dies without a summary
// line counts as one failure, so a crash can never read as green.
import { spawn } from 'node:child_process';

const SUMMARY = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/;
const pnpm = process.env.npm_execpath || 'pnpm';
const [cmd, pre] = pnpm.endsWith('.cjs') || pnpm.endsWith('.js') ? [process.execPath, [pnpm]] : [pnpm, []];
const args = [...pre, '-r', '--no-bail', '--no-sort', '--workspace-concurrency=1', 'test'];

const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
let skipped = 0;
let summaries = 0;
let buffered = '';

function scan(line) {
  const m = SUMMARY.exec(line);
  if (!m) return;
  summaries += 1;
  passed += Number(m[1]);
  failed += Number(m[2]);
  skipped += Number(m[3] ?? 0);
}

child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString('utf8');
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  lines.forEach(scan);
});

child.on('close', (code) => {
  scan(buffered);
  if (code !== 0 && failed === 0) failed += 1; // crashed without reporting a failure
  if (summaries === 0) failed += 1;
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exit(failed > 0 ? 1 : 0);
});
