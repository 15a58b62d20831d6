import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import { check, checkObject, KernelError } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { checkShared } from './checks.js';
import { DefioDriver } from './defio-driver.js';
import type { DirtyPages } from './dirty-pages.js';
import { dirtyBounds } from './fb-view.js';
import { PvRingProducer } from './pv-ring.js';
import type { PvOptions, SendDone } from './tokens.js';

/**
 * Para-virtual framebuffers (xen-fbfront, hyperv_fb): the host maps the guest framebuffer, so
 * an update is only a rectangle — the bounding box of the dirty rows — queued as one event on
 * the shared ring, followed by an event-channel kick (`notify`). A full ring fails the update
 * with EAGAIN; its rows stay pending and are retried (merged with newer damage) after `retryMs`.
 */
export class PvDriver extends DefioDriver {
  private readonly producer: PvRingProducer;
  private readonly notify: () => void;

  constructor(fb: FbDeferredIoApi, scheduler: SchedulerLike, options: PvOptions) {
    checkObject(options, 'PV options');
    checkShared(options.ring, 'PV ring');
    check(typeof options.notify === 'function', 'EINVAL', 'PV notify must be a function');
    super(fb, scheduler, {
      retryMs: options.retryMs,
      maxRetries: options.maxRetries,
      minIntervalMs: options.minIntervalMs,
    });
    this.producer = new PvRingProducer(options.ring);
    this.notify = options.notify;
  }

  start(dirty: DirtyPages, done: SendDone): void {
    const r = dirtyBounds(this.view, dirty);
    if (r.isEmpty()) {
      done();
      return;
    }
    if (!this.producer.pushUpdate(r.x1, r.y1, r.width, r.height)) {
      done(new KernelError('EAGAIN', 'para-virtual ring full'));
      return;
    }
    this.notify();
    done();
  }
}
