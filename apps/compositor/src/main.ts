#!/usr/bin/env node
/**
 * fbemu compositor CLI. With no arguments it runs the default demo scene: three clients (fbdev
 * over GEM shmem, fbdev with shadow + fb_ops console, a VMware SVGA guest) composited into one
 * desktop, served over RFB (native VNC clients) and a noVNC page, with periodic PNG frames.
 * Flags: cli/flags.ts (`--help`); the run and its shutdown: cli/run.ts.
 */
import 'reflect-metadata';
import { EXIT, report, runCli } from './cli/run.js';

// process.exit: a stopped run ends now, whatever handles (timers, workers) are still open
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    report(e, process.argv.includes('--debug'));
    process.exit(EXIT.failed);
  },
);
