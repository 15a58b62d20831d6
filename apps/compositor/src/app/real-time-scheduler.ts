import {
  asapScheduler,
  asyncScheduler,
  type SchedulerAction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';

/**
 * The app's scheduler in real time: delayed work (the defio timer, PNG ticks) on timers, and
 * zero-delay work — the "next turn" hops of the damage worker, the vmw flush and the compositor —
 * as microtasks instead of ≥ 1 ms timers, so those hops add no latency after the defio delay.
 * Package code sees one `SchedulerLike` and cannot tell.
 */
export const realTimeScheduler: SchedulerLike = {
  now: () => asyncScheduler.now(),
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return (delay > 0 ? asyncScheduler : asapScheduler).schedule(work, delay, state);
  },
};
