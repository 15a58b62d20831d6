import { expect } from 'chai';
import { asyncScheduler, map, queueScheduler, VirtualTimeScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { type Damage, DamageWorker, type DamageWorkerHooks } from './damage-worker.js';
import { Rect } from './rect.js';
import type { Region } from './region.js';

const SCREEN = new Rect(0, 0, 100, 50);

function setup(mode: 'bbox' | 'region', hooks: Partial<DamageWorkerHooks> = {}) {
  const scheduler = new VirtualTimeScheduler();
  const seen: Damage[] = [];
  const worker = new DamageWorker(scheduler, { viewport: () => SCREEN, ...hooks }, { mode });
  worker.damage$.subscribe((d) => seen.push(d));
  return { scheduler, worker, seen };
}

describe('damage accumulator and worker', () => {
  it('unions damage from several sources into one run (bbox mode = one rect)', () => {
    const { scheduler, worker, seen } = setup('bbox');
    worker.addRect(new Rect(0, 0, 10, 1));
    worker.addRect(new Rect(50, 40, 60, 41));
    expect(seen).to.have.length(0);
    scheduler.flush();
    expect(seen).to.have.length(1);
    expect(seen[0].clips.map(String)).to.deep.equal(['(0,0,60,41)']);
    expect(worker.hasPending).to.equal(false);
  });

  it('region mode keeps distant rects apart', () => {
    const { scheduler, worker, seen } = setup('region');
    worker.addRect(new Rect(0, 0, 10, 1));
    worker.addRect(new Rect(50, 40, 60, 41));
    scheduler.flush();
    expect(seen[0].clips.map(String)).to.deep.equal(['(0,0,10,1)', '(50,40,60,41)']);
  });

  it('blits, then calls dirty, then emits — in that order, with the consumed clip', () => {
    const order: string[] = [];
    let blitClip = '';
    const { scheduler, worker } = setup('region', {
      blit: (clip: Region) => {
        order.push('blit');
        blitClip = clip.toString();
        return 40;
      },
      dirty: () => {
        order.push('dirty');
      },
    });
    worker.damage$.subscribe((d) => order.push(`damage ${d.blitted}`));
    worker.addRect(new Rect(0, 0, 10, 1));
    scheduler.flush();
    expect(order).to.deep.equal(['blit', 'dirty', 'damage 40']);
    expect(blitClip).to.equal('Region[(0,0,10,1)]');
    expect(worker.stats).to.deep.include({ runs: 1, blittedBytes: 40, failures: 0 });
  });

  it('an empty clip causes no run, no blit and no callback', () => {
    let calls = 0;
    const { scheduler, worker, seen } = setup('bbox', {
      blit: () => {
        calls++;
        return 0;
      },
      dirty: () => {
        calls++;
      },
    });
    worker.addRect(Rect.EMPTY);
    worker.addRect(new Rect(5, 5, 5, 9));
    scheduler.flush();
    expect([calls, seen.length, worker.stats.runs]).to.deep.equal([0, 0, 0]);
  });

  it('a failing dirty callback merges the clip back; the next run carries old and new damage', () => {
    let fail = true;
    const errors: unknown[] = [];
    const { scheduler, worker, seen } = setup('region', {
      dirty: () => {
        if (fail) throw new Error('device busy');
      },
    });
    worker.errors$.subscribe((e) => errors.push(e));
    worker.addRect(new Rect(0, 0, 10, 1));
    scheduler.flush();
    expect(seen).to.have.length(0);
    expect(errors).to.have.length(1);
    expect(worker.pendingExtents().toString()).to.equal('(0,0,10,1)');
    fail = false;
    worker.addRect(new Rect(0, 30, 5, 31));
    scheduler.flush();
    expect(seen.map((d) => d.clips.map(String))).to.deep.equal([['(0,0,10,1)', '(0,30,5,31)']]);
    expect(worker.stats.failures).to.equal(1);
  });

  it('schedules once per run (schedule_work), and damage added by the dirty callback gets its own run', () => {
    let reentered = false;
    const { scheduler, worker, seen } = setup('region', {
      dirty: () => {
        if (reentered) return;
        reentered = true;
        worker.addRect(new Rect(1, 1, 2, 2));
      },
    });
    worker.addRect(new Rect(0, 0, 1, 1));
    worker.addRect(new Rect(0, 0, 1, 1));
    scheduler.flush();
    expect(seen.map((d) => d.clips.map(String))).to.deep.equal([['(0,0,1,1)'], ['(1,1,2,2)']]);
    expect(seen.map((d) => d.seq)).to.deep.equal([1, 2]);
  });

  it('works on a synchronous scheduler: each damage runs at once, re-entrant damage runs after', () => {
    const seen: string[] = [];
    let again = true;
    const worker = new DamageWorker(
      queueScheduler,
      {
        viewport: () => SCREEN,
        dirty: (d) => {
          seen.push(d.clips.join(' '));
          if (again) {
            again = false;
            worker.addRect(new Rect(5, 5, 6, 6));
            seen.push('added');
          }
        },
      },
      { mode: 'region' },
    );
    worker.addRect(new Rect(0, 0, 1, 1));
    worker.addRect(new Rect(2, 2, 3, 3));
    expect(seen).to.deep.equal(['(0,0,1,1)', 'added', '(5,5,6,6)', '(2,2,3,3)']);
  });

  it('a persistently failing dirty callback is not retried in a loop', () => {
    let calls = 0;
    const worker = new DamageWorker(
      queueScheduler,
      {
        viewport: () => SCREEN,
        dirty: () => {
          calls++;
          throw new Error('gone');
        },
      },
      { mode: 'bbox' },
    );
    worker.addRect(new Rect(0, 0, 1, 1));
    expect(calls).to.equal(1);
    expect(worker.hasPending).to.equal(true);
    worker.addRect(new Rect(3, 3, 4, 4));
    expect(calls).to.equal(2);
    expect(worker.pendingExtents().toString()).to.equal('(0,0,4,4)');
  });

  it('reports damage in viewport coordinates and drops what is off screen', () => {
    let viewport = new Rect(0, 50, 100, 100);
    const dirty: Damage[] = [];
    const { scheduler, worker, seen } = setup('region', {
      viewport: () => viewport,
      dirty: (d) => dirty.push(d),
    });
    worker.addRect(new Rect(10, 60, 20, 61)); // visible at screen row 10
    worker.addRect(new Rect(0, 0, 100, 10)); // off screen
    scheduler.flush();
    expect(seen[0].clips.map(String)).to.deep.equal(['(10,10,20,11)']);
    expect(seen[0].fbClips.map(String)).to.deep.equal(['(0,0,100,10)', '(10,60,20,61)']);
    expect(seen[0].viewport.toString()).to.equal('(0,50,100,100)');
    viewport = new Rect(0, 0, 100, 50);
    worker.addRect(new Rect(0, 70, 1, 71));
    scheduler.flush();
    expect(seen).to.have.length(1);
    expect(dirty).to.have.length(1);
  });

  it('while suspended the clip is kept; resuming runs it', () => {
    const { scheduler, worker, seen } = setup('bbox');
    worker.setSuspended(true);
    worker.addRect(new Rect(0, 0, 3, 3));
    scheduler.flush();
    expect(seen).to.have.length(0);
    expect(worker.hasPending).to.equal(true);
    worker.setSuspended(false);
    scheduler.flush();
    expect(seen).to.have.length(1);
  });

  it('runs in the frame the damage arrives, at that scheduler time (marble, virtual time)', () => {
    new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    }).run(({ cold, expectObservable }) => {
      const worker = new DamageWorker(asyncScheduler, { viewport: () => SCREEN }, { mode: 'bbox' });
      cold('--a---b', { a: new Rect(0, 0, 1, 1), b: new Rect(2, 2, 3, 3) }).subscribe((r) =>
        worker.addRect(r),
      );
      expectObservable(worker.damage$.pipe(map((d) => `${d.extents}@${d.at}`))).toBe('--x---y', {
        x: '(0,0,1,1)@2',
        y: '(2,2,3,3)@6',
      });
    });
  });
});
