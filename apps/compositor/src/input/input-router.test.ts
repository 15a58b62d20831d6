import {
  ABS_X,
  ABS_Y,
  EV_ABS,
  EV_KEY,
  EvdevRegistry,
  type InputFrame,
  KEY,
  KeyboardInput,
  keyboardOptions,
  PointerInput,
  tabletOptions,
  XK,
} from '@fbemu/evdev';
import { KernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import type { Compositor } from '../compose/compositor.js';
import {
  InputRouter,
  type PlaneInputEvent,
  type PlaneStack,
  type PointerForDrag,
  type RoutedPlane,
} from './input-router.js';

// compile-time check: the composition root can pass the Compositor itself as the PlaneStack
export const compositorIsAPlaneStack: Compositor extends PlaneStack ? true : false = true;

/** Planes bottom to top; planeAt finds the top-most, plane(id) throws ENOENT like the Compositor. */
class FakeStack {
  constructor(readonly planes: RoutedPlane[]) {}
  planeAt(x: number, y: number): RoutedPlane | undefined {
    for (let i = this.planes.length - 1; i >= 0; i--) {
      const p = this.planes[i];
      if (x >= p.x && y >= p.y && x < p.x + p.surface.width && y < p.y + p.surface.height) return p;
    }
    return undefined;
  }
  plane(id: string): RoutedPlane {
    const p = this.planes.find((q) => q.id === id);
    if (!p) throw new KernelError('ENOENT', id);
    return p;
  }
}

const plane = (id: string, x: number, y: number, width: number, height: number): RoutedPlane => ({
  id,
  x,
  y,
  surface: { width, height },
});

/** One program behind a plane: evdev keyboard + tablet (frames recorded), pty bytes, input$. */
function program(registry: EvdevRegistry, width: number, height: number) {
  const kbd = registry.register(keyboardOptions());
  const tab = registry.register(tabletOptions(width, height));
  const frames: { kbd: InputFrame[]; tab: InputFrame[] } = { kbd: [], tab: [] };
  kbd.input.frames$.subscribe((f) => frames.kbd.push(f));
  tab.input.frames$.subscribe((f) => frames.tab.push(f));
  const pty: number[][] = [];
  const sink = {
    keyboard: new KeyboardInput(kbd.input),
    pointer: new PointerInput(tab.input),
    pty: (b: Uint8Array) => pty.push([...b]),
  };
  const values = (which: 'kbd' | 'tab') =>
    frames[which].splice(0).map((f) => f.values.slice(0, -1).map((v) => [v.type, v.code, v.value]));
  return { sink, pty, values };
}

describe('InputRouter', () => {
  let scheduler: VirtualTimeScheduler;
  let stack: FakeStack;
  let router: InputRouter;
  let drags: PointerForDrag[];
  let a: ReturnType<typeof program>;
  let b: ReturnType<typeof program>;
  let seen: Record<string, PlaneInputEvent[]>;

  const key = (session: number, keysym: number, down: boolean) =>
    router.handle({ type: 'key', session, keysym, down });
  const tap = (session: number, keysym: number) => {
    key(session, keysym, true);
    key(session, keysym, false);
  };
  const ptr = (session: number, x: number, y: number, buttonMask = 0) =>
    router.handle({ type: 'pointer', session, x, y, buttonMask });

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    const registry = new EvdevRegistry({ now: () => 0n });
    // A at the origin, B above it at an offset
    stack = new FakeStack([plane('A', 0, 0, 100, 100), plane('B', 50, 40, 200, 100)]);
    drags = [];
    router = new InputRouter(stack, scheduler, (e) => drags.push(e), { burst: 1000, ratePerSecond: 1000 });
    a = program(registry, 100, 100);
    b = program(registry, 200, 100);
    router.attach('A', a.sink);
    router.attach('B', b.sink);
    seen = { A: [], B: [] };
    router.input$('A').subscribe((e) => seen.A.push(e));
    router.input$('B').subscribe((e) => seen.B.push(e));
  });

  it('keys before any press go nowhere; a press gives the plane under the pointer the focus', () => {
    tap(1, 0x61);
    expect([a.values('kbd'), b.values('kbd')]).to.deep.equal([[], []]);
    ptr(1, 60, 50, 1);
    expect(router.focusOf(1)).to.equal('B');
    tap(1, 0x61);
    expect(b.values('kbd')).to.deep.equal([[[EV_KEY, KEY.KEY_A, 1]], [[EV_KEY, KEY.KEY_A, 0]]]);
    expect(b.pty).to.deep.equal([[0x61]]);
    expect(a.values('kbd')).to.deep.equal([]);
    expect(seen.B[0]).to.deep.equal({ type: 'focus', session: 1, focused: true });
    ptr(1, 60, 50, 0);
    ptr(1, 10, 10, 1); // only A is here
    expect(router.focusOf(1)).to.equal('A');
    expect(seen.B.at(-1)).to.deep.equal({ type: 'focus', session: 1, focused: false });
  });

  it('pointer coordinates are exact in the framebuffer of a plane at an offset', () => {
    ptr(1, 51, 41);
    ptr(1, 249, 139);
    ptr(1, 137, 111); // A is under B here: B covers 50..250 x 40..140
    expect(b.values('tab')).to.deep.equal([
      [
        [EV_ABS, ABS_X, 1],
        [EV_ABS, ABS_Y, 1],
      ],
      [
        [EV_ABS, ABS_X, 199],
        [EV_ABS, ABS_Y, 99],
      ],
      [
        [EV_ABS, ABS_X, 87],
        [EV_ABS, ABS_Y, 71],
      ],
    ]);
    expect(seen.B.at(-1)).to.deep.equal({
      type: 'pointer',
      session: 1,
      x: 87,
      y: 71,
      buttonMask: 0,
      inside: true,
    });
    ptr(1, 20, 30);
    expect(a.values('tab')).to.deep.equal([
      [
        [EV_ABS, ABS_X, 20],
        [EV_ABS, ABS_Y, 30],
      ],
    ]);
    ptr(1, 400, 300); // on no plane: delivered nowhere
    expect([a.values('tab'), b.values('tab')]).to.deep.equal([[], []]);
  });

  it('a press grabs its plane: motion off it is clamped to its edge until every button is up', () => {
    ptr(1, 60, 50, 1);
    ptr(1, 10, 10, 1); // over A, still B's
    ptr(1, 10, 10, 0);
    ptr(1, 11, 10, 0); // free again: A's
    expect(b.values('tab')).to.deep.equal([
      [
        [EV_ABS, ABS_X, 10],
        [EV_ABS, ABS_Y, 10],
        [EV_KEY, KEY.BTN_LEFT, 1],
      ],
      [
        [EV_ABS, ABS_X, 0],
        [EV_ABS, ABS_Y, 0],
      ],
      [[EV_KEY, KEY.BTN_LEFT, 0]],
    ]);
    expect(
      seen.B.filter((e) => e.type === 'pointer').map((e) => (e as { inside: boolean }).inside),
    ).to.deep.equal([true, false, false]);
    expect(a.values('tab')).to.deep.equal([
      [
        [EV_ABS, ABS_X, 11],
        [EV_ABS, ABS_Y, 10],
      ],
    ]);
  });

  it('Ctrl + press drags (events to the drag handler until release), moves no focus, reaches no program', () => {
    ptr(1, 10, 10, 1);
    ptr(1, 10, 10, 0);
    a.values('tab');
    key(1, XK.Control_L, true);
    ptr(1, 60, 50, 1);
    ptr(1, 70, 60, 1);
    ptr(1, 70, 60, 0);
    expect(drags.map((d) => [d.x, d.y, d.buttonMask])).to.deep.equal([
      [60, 50, 1],
      [70, 60, 1],
      [70, 60, 0],
    ]);
    expect(router.focusOf(1)).to.equal('A');
    expect(b.values('tab')).to.deep.equal([]);
    key(1, XK.Control_L, false);
    ptr(1, 60, 50, 1); // without Ctrl: an ordinary press
    expect(drags).to.have.length(3);
    expect(router.focusOf(1)).to.equal('B');
  });

  it('pty bytes follow the viewer’s modifiers: Ctrl-C, Shift letters as sent, Alt prefix, Enter, arrows', () => {
    ptr(1, 10, 10, 1);
    key(1, XK.Control_L, true);
    tap(1, 0x63);
    key(1, XK.Control_L, false);
    key(1, XK.Shift_L, true);
    tap(1, 0x41);
    key(1, XK.Shift_L, false);
    key(1, XK.Alt_L, true);
    tap(1, 0x78);
    key(1, XK.Alt_L, false);
    tap(1, XK.Return);
    tap(1, XK.Up);
    expect(a.pty).to.deep.equal([[0x03], [0x41], [0x1b, 0x78], [0x0d], [0x1b, 0x5b, 0x41]]);
    const keys = seen.A.filter((e) => e.type === 'key' && e.down).map((e) => (e as { key: number }).key);
    expect(keys).to.deep.equal([
      KEY.KEY_LEFTCTRL,
      KEY.KEY_C,
      KEY.KEY_LEFTSHIFT,
      KEY.KEY_A,
      KEY.KEY_LEFTALT,
      KEY.KEY_X,
      KEY.KEY_ENTER,
      KEY.KEY_UP,
    ]);
  });

  it('a modifier autorepeated by the viewer (presses resent while held) ends with its one release', () => {
    ptr(1, 10, 10, 1);
    ptr(1, 10, 10, 0);
    for (const sym of [XK.Control_L, XK.Shift_L, XK.Alt_L]) {
      for (let i = 0; i < 3; i++) key(1, sym, true); // held: the viewer repeats the press
      key(1, sym, false);
    }
    tap(1, 0x63);
    expect(a.pty.at(-1)).to.deep.equal([0x63], 'a plain c: no Ctrl, Alt or Shift left over');
    ptr(1, 60, 50, 1); // a plain press: B gets the focus, no window drag
    expect(drags).to.deep.equal([]);
    expect(router.focusOf(1)).to.equal('B');
    key(1, XK.Shift_L, true);
    key(1, XK.Shift_R, true);
    key(1, XK.Shift_L, false);
    tap(1, XK.Tab);
    expect(b.pty.at(-1)).to.deep.equal([0x1b, 0x09], 'Shift+Tab: Shift_R is still held');
    key(1, XK.Shift_R, false);
    tap(1, XK.Tab);
    expect(b.pty.at(-1)).to.deep.equal([0x09]);
  });

  it('a release with the other case of the pressed keysym (Shift let go first, as X11 viewers send it) releases the key', () => {
    ptr(1, 10, 10, 1);
    ptr(1, 10, 10, 0);
    key(1, XK.Shift_L, true);
    key(1, 0x41, true); // A
    key(1, XK.Shift_L, false);
    ptr(1, 60, 50, 1); // the focus moves on meanwhile
    key(1, 0x61, false); // a
    key(1, 0x31, true); // 1, held
    key(1, 0x21, false); // ! is the same key
    expect(a.values('kbd').slice(1)).to.deep.equal([
      [[EV_KEY, KEY.KEY_A, 1]],
      [[EV_KEY, KEY.KEY_LEFTSHIFT, 0]],
      [[EV_KEY, KEY.KEY_A, 0]],
    ]);
    expect(b.values('kbd')).to.deep.equal([[[EV_KEY, KEY.KEY_1, 1]], [[EV_KEY, KEY.KEY_1, 0]]]);
    router.handle({ type: 'disconnected', session: 1 });
    expect([a.values('kbd'), b.values('kbd')]).to.deep.equal([[], []], 'nothing was left down');
  });

  it('a release goes to the plane that got the press, even after the focus moved', () => {
    ptr(1, 10, 10, 1);
    ptr(1, 10, 10, 0);
    key(1, 0x71, true);
    ptr(1, 60, 50, 1); // focus → B while q is held
    key(1, 0x71, false);
    expect(a.values('kbd')).to.deep.equal([[[EV_KEY, KEY.KEY_Q, 1]], [[EV_KEY, KEY.KEY_Q, 0]]]);
    expect(b.values('kbd')).to.deep.equal([]);
  });

  it('an autorepeat after a focus change still goes to the plane that got the first press', () => {
    ptr(1, 10, 10, 1);
    ptr(1, 10, 10, 0);
    key(1, 0x71, true);
    ptr(1, 60, 50, 1);
    key(1, 0x71, true);
    key(1, 0x71, false);
    expect(a.values('kbd')).to.deep.equal([
      [[EV_KEY, KEY.KEY_Q, 1]],
      [[EV_KEY, KEY.KEY_Q, 2]],
      [[EV_KEY, KEY.KEY_Q, 0]],
    ]);
    expect(b.values('kbd')).to.deep.equal([]);
  });

  it('viewers have their own focus; a viewer leaving releases its keys and buttons where they went', () => {
    ptr(1, 10, 10, 1);
    ptr(2, 60, 50, 1);
    key(1, 0x61, true);
    key(2, 0x62, true);
    expect([router.focusOf(1), router.focusOf(2)]).to.deep.equal(['A', 'B']);
    a.values('kbd');
    b.values('kbd');
    b.values('tab');
    router.handle({ type: 'disconnected', session: 2 });
    expect(b.values('kbd')).to.deep.equal([[[EV_KEY, KEY.KEY_B, 0]]]);
    expect(b.values('tab')).to.deep.equal([[[EV_KEY, KEY.BTN_LEFT, 0]]]);
    expect(a.values('kbd')).to.deep.equal([]);
    expect(router.focusOf(2)).to.equal(undefined);
  });

  it('a flooding viewer is throttled on its own: the other viewer’s key passes at once (virtual time)', () => {
    const slow = new InputRouter(stack, scheduler, undefined, { burst: 2, ratePerSecond: 100 });
    slow.attach('A', a.sink);
    const at: [number, number][] = [];
    slow.input$('A').subscribe((e) => e.type === 'pointer' && at.push([e.session, scheduler.now()]));
    for (let i = 0; i < 5; i++) slow.handle({ type: 'pointer', session: 1, x: 1, y: 1, buttonMask: i % 2 });
    slow.handle({ type: 'pointer', session: 2, x: 2, y: 2, buttonMask: 0 });
    scheduler.flush();
    expect(at).to.deep.equal([
      [1, 0],
      [1, 0],
      [2, 0],
      [1, 10],
      [1, 20],
      [1, 30],
    ]);
  });

  it('a press off every plane grabs nothing: no plane sees those buttons, none keeps one down after a release off it or a disconnect', () => {
    ptr(1, 400, 300, 1); // on no plane
    ptr(1, 60, 50, 1); // over B, button held
    ptr(1, 70, 50, 5); // and another one
    ptr(1, 400, 300, 0); // released off every plane
    router.handle({ type: 'disconnected', session: 1 });
    ptr(2, 400, 300, 1); // the same with a viewer that leaves while holding it over B
    ptr(2, 60, 50, 1);
    router.handle({ type: 'disconnected', session: 2 });
    expect(
      b
        .values('tab')
        .flat()
        .filter(([type]) => type === EV_KEY),
    ).to.deep.equal([]);
    expect(seen.B.filter((e) => e.type === 'pointer')).to.deep.equal([]);
    expect(router.focusOf(1)).to.equal(undefined);
    ptr(3, 60, 50, 0); // buttons up: motion reaches B again
    expect(b.values('tab')).to.deep.equal([
      [
        [EV_ABS, ABS_X, 10],
        [EV_ABS, ABS_Y, 10],
      ],
    ]);
  });

  it('a press whose plane went away grabs nothing: the plane below never sees that button', () => {
    ptr(1, 60, 50, 1);
    stack.planes.pop();
    router.detach('B');
    ptr(1, 61, 50, 1); // over A now, the button still held
    ptr(1, 400, 300, 0);
    expect(
      a
        .values('tab')
        .flat()
        .filter(([type]) => type === EV_KEY),
    ).to.deep.equal([]);
  });

  it('detach completes the plane’s input$ and forgets it as focus; a removed grabbed plane gets nothing', () => {
    let completed = false;
    router.input$('B').subscribe({ complete: () => (completed = true) });
    ptr(1, 60, 50, 1);
    stack.planes.pop();
    router.detach('B');
    expect(completed).to.equal(true);
    expect(router.focusOf(1)).to.equal(undefined);
    ptr(1, 61, 50, 1);
    tap(1, 0x61);
    expect(a.values('kbd')).to.deep.equal([]);
  });
});
