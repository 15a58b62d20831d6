import type { SchedulerLike } from 'rxjs';
import type { Logger } from './log.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Shell convention: 128 + the signal number. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface ShutdownOptions {
  log: Logger;
  /** ends the process (process.exit in the CLI) */
  exit: (code: number) => void;
  /** a stop still running after this long ends the process with code 1 */
  timeoutMs: number;
  scheduler: SchedulerLike;
}

/**
 * When the run stops, and how hard. The first stop request (a signal, the end of --duration, a
 * failed start) resolves `requested` and arms a deadline, so a stuck client or socket cannot keep
 * the process alive; a signal after that exits at once (the user pressed Ctrl-C twice).
 */
export class Shutdown {
  readonly requested: Promise<string>;
  private resolve: (why: string) => void = () => {};
  private why: string | undefined;

  constructor(private readonly options: ShutdownOptions) {
    this.requested = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  signal(signal: StopSignal): void {
    if (this.why !== undefined) {
      this.options.log.warn('exiting without waiting for the shutdown', { signal, stopping: this.why });
      this.options.exit(SIGNAL_EXIT[signal]);
      return;
    }
    this.options.log.info('stopping', { signal, hint: 'again to force' });
    this.request(signal);
  }

  request(why: string): void {
    if (this.why !== undefined) return;
    this.why = why;
    this.resolve(why);
    this.options.scheduler.schedule(() => {
      this.options.log.error('shutdown did not finish in time; exiting', {
        timeoutMs: this.options.timeoutMs,
      });
      this.options.exit(1);
    }, this.options.timeoutMs);
  }
}
