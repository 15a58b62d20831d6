import {
  InputThrottle,
  type KeyboardInput,
  keyIdentity,
  keysymToConsoleBytes,
  keysymToKey,
  type Modifiers,
  mapToPlane,
  type PointerInput,
  type ThrottleOptions,
  type ThrottleStats,
  type ViewerInput,
  XK,
} from '@fbemu/evdev';
import { isKernelError } from '@fbemu/gem-shmem';
import { type Observable, type SchedulerLike, Subject } from 'rxjs';

/** A plane as the router sees it (the compositor's `Plane` has this shape). */
export interface RoutedPlane {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly surface: { readonly width: number; readonly height: number };
}

/** The stacking the router asks (the `Compositor` has this shape: `plane(id)` throws ENOENT). */
export interface PlaneStack {
  planeAt(x: number, y: number): RoutedPlane | undefined;
  plane(id: string): RoutedPlane;
}

/** Where a plane's program takes input; every part is optional. */
export interface PlaneInputSink {
  /** bytes for the program's terminal, as the Linux console sends them (fbi, fim, mplayer) */
  pty?(bytes: Uint8Array): void;
  /** its /dev/input/eventN keyboard */
  keyboard?: KeyboardInput;
  /** its /dev/input/eventN tablet, in framebuffer coordinates */
  pointer?: PointerInput;
  /** the program's framebuffer size when the plane does not show it 1:1 (default: the plane's size) */
  framebufferSize?(): { width: number; height: number };
}

/** Input as a TypeScript client of a plane gets it (`input$`). */
export type PlaneInputEvent =
  | {
      readonly type: 'key';
      readonly session: number;
      readonly down: boolean;
      readonly keysym: number;
      /** Linux KEY_* code, when the keysym has a key */
      readonly key: number | undefined;
      /** console bytes of a press, when it has any */
      readonly bytes: Uint8Array | undefined;
    }
  | {
      readonly type: 'pointer';
      readonly session: number;
      /** framebuffer coordinates, clamped to it */
      readonly x: number;
      readonly y: number;
      readonly buttonMask: number;
      /** false for motion off the plane while a button pressed on it is held */
      readonly inside: boolean;
    }
  | { readonly type: 'focus'; readonly session: number; readonly focused: boolean };

/** The RFB events the router takes (`RfbServer.events$` emits these and more). */
export type RouterEvent =
  | { readonly type: 'key'; readonly session: number; readonly down: boolean; readonly keysym: number }
  | {
      readonly type: 'pointer';
      readonly session: number;
      readonly buttonMask: number;
      readonly x: number;
      readonly y: number;
    }
  | { readonly type: 'disconnected'; readonly session: number };

export type PointerForDrag = Extract<RouterEvent, { type: 'pointer' }>;

const BUTTONS = 7; // buttons 1–3; 4–7 are wheel steps and move no focus

interface Viewer {
  readonly throttle: InputThrottle;
  /**
   * modifier keysyms held (Shift_L and Shift_R count apart): a set, since viewers autorepeat a held
   * modifier by resending its press, and one release must end it
   */
  readonly mods: Set<number>;
  focus: string | undefined;
  /** plane a button press landed on, until every button is up (implicit grab) */
  grab: string | undefined;
  dragging: boolean;
  mask: number;
  /** last pointer position (desktop) */
  x: number;
  y: number;
  /**
   * keys pressed (`keyIdentity`) → the plane that got the press (its release goes there too) and the
   * keysym pressed
   */
  readonly down: Map<number, { plane: string; keysym: number }>;
}

const MODIFIER_KEYS = new Map<number, 'shift' | 'ctrl' | 'alt'>([
  [XK.Shift_L, 'shift'],
  [XK.Shift_R, 'shift'],
  [XK.Control_L, 'ctrl'],
  [XK.Control_R, 'ctrl'],
  [XK.Alt_L, 'alt'],
  [XK.Alt_R, 'alt'],
  [XK.Meta_L, 'alt'],
  [XK.Meta_R, 'alt'],
]);

/** Whether the viewer holds a modifier key of this kind. */
function held(v: Viewer, kind: 'shift' | 'ctrl' | 'alt'): boolean {
  for (const sym of v.mods) if (MODIFIER_KEYS.get(sym) === kind) return true;
  return false;
}

/**
 * Routes each viewer's RFB input to the programs behind the planes. Focus follows a press: the
 * plane under the pointer when button 1–3 goes down gets that viewer's keys (each viewer has its
 * own focus). Ctrl + press starts a window drag instead (the events go to `drag`, e.g.
 * `PointerDrag.handle`, until every button is up) and moves no focus; so does a plain press on a
 * plane that takes no input (no sink attached, nobody subscribed to its `input$`). Pointer events go to the
 * plane under the pointer, mapped into its framebuffer; while a button pressed on a plane is
 * held they stay with that plane, clamped to its edge when off it. Keys go to the focused plane:
 * its evdev keyboard, its pty (console bytes of presses, with the viewer's Shift/Ctrl/Alt), and
 * its `input$`; a release goes to the plane that got the press. Each viewer's input first passes
 * its own `InputThrottle` (token bucket + motion coalescing on the injected scheduler), so a
 * flooding viewer delays only itself.
 */
export class InputRouter {
  private readonly viewers = new Map<number, Viewer>();
  private readonly sinks = new Map<string, PlaneInputSink>();
  private readonly streams = new Map<string, Subject<PlaneInputEvent>>();

  constructor(
    private readonly planes: PlaneStack,
    private readonly scheduler: SchedulerLike,
    private readonly drag: (e: PointerForDrag) => void = () => {},
    private readonly throttle: ThrottleOptions = {},
  ) {}

  /** Gives plane `id`'s program its input (replacing an earlier sink). */
  attach(id: string, sink: PlaneInputSink): void {
    this.sinks.set(id, sink);
  }

  /** The plane is gone: its stream completes and no viewer keeps it focused or grabbed. */
  detach(id: string): void {
    this.sinks.delete(id);
    this.streams.get(id)?.complete();
    this.streams.delete(id);
    for (const v of this.viewers.values()) {
      if (v.focus === id) v.focus = undefined;
      if (v.grab === id) v.grab = undefined;
      for (const [slot, held] of v.down) if (held.plane === id) v.down.delete(slot);
    }
  }

  /** Input for plane `id`, for TypeScript clients. */
  input$(id: string): Observable<PlaneInputEvent> {
    let s = this.streams.get(id);
    if (!s) {
      s = new Subject();
      this.streams.set(id, s);
    }
    return s.asObservable();
  }

  focusOf(session: number): string | undefined {
    return this.viewers.get(session)?.focus;
  }

  throttleStats(session: number): ThrottleStats | undefined {
    return this.viewers.get(session)?.throttle.stats;
  }

  handle(e: RouterEvent): void {
    if (e.type === 'disconnected') this.forget(e.session);
    else this.viewer(e.session).throttle.push(e);
  }

  /** Drops every viewer: their keys and buttons are released where they went. */
  close(): void {
    for (const session of [...this.viewers.keys()]) this.forget(session);
    for (const s of this.streams.values()) s.complete();
    this.streams.clear();
  }

  private viewer(session: number): Viewer {
    let v = this.viewers.get(session);
    if (!v) {
      const throttle = new InputThrottle(this.scheduler, (e) => this.route(session, e), this.throttle);
      v = {
        throttle,
        mods: new Set(),
        focus: undefined,
        grab: undefined,
        dragging: false,
        mask: 0,
        x: 0,
        y: 0,
        down: new Map(),
      };
      this.viewers.set(session, v);
    }
    return v;
  }

  private route(session: number, e: ViewerInput): void {
    const v = this.viewers.get(session);
    if (!v) return;
    if (e.type === 'key') this.key(session, v, e.keysym, e.down);
    else this.pointer(session, v, e.buttonMask, e.x, e.y);
  }

  private key(session: number, v: Viewer, keysym: number, down: boolean): void {
    if (MODIFIER_KEYS.has(keysym)) {
      if (down) v.mods.add(keysym);
      else v.mods.delete(keysym);
    }
    // a repeat (press of a held key) and the release go where the first press went
    const slot = keyIdentity(keysym);
    const plane = v.down.get(slot)?.plane ?? (down ? v.focus : undefined);
    if (plane === undefined) return;
    if (down) v.down.set(slot, { plane, keysym });
    else v.down.delete(slot);
    const sink = this.sinks.get(plane);
    const mods: Modifiers = { shift: held(v, 'shift'), ctrl: held(v, 'ctrl'), alt: held(v, 'alt') };
    const bytes = down ? keysymToConsoleBytes(keysym, mods) : undefined;
    sink?.keyboard?.key(keysym, down);
    if (bytes) sink?.pty?.(bytes);
    this.streams.get(plane)?.next({ type: 'key', session, down, keysym, key: keysymToKey(keysym), bytes });
  }

  private pointer(session: number, v: Viewer, mask: number, x: number, y: number): void {
    const first = (v.mask & BUTTONS) === 0 && (mask & BUTTONS) !== 0;
    if (first && (held(v, 'ctrl') || this.takesNoInput(this.planes.planeAt(x, y)))) v.dragging = true;
    if (v.dragging) {
      this.drag({ type: 'pointer', session, buttonMask: mask, x, y });
      v.mask = mask;
      if ((mask & BUTTONS) === 0) v.dragging = false;
      return;
    }
    if (first) {
      v.grab = this.planes.planeAt(x, y)?.id;
      this.setFocus(session, v, v.grab);
    }
    // Buttons held with no grab (pressed off every plane, or the grabbed plane went away): the
    // press belongs to no plane, so none sees these buttons (a program would get a press it never
    // had, and keep it down when the release happens off it or the viewer leaves).
    const free = (mask & BUTTONS) === 0;
    const target = v.grab !== undefined ? this.live(v.grab) : free ? this.planes.planeAt(x, y) : undefined;
    if (target) this.deliverPointer(session, target, mask, x, y, v.grab !== undefined);
    Object.assign(v, { mask, x, y });
    if ((mask & BUTTONS) === 0) v.grab = undefined;
  }

  private deliverPointer(
    session: number,
    plane: RoutedPlane,
    mask: number,
    x: number,
    y: number,
    grabbed: boolean,
  ): void {
    const sink = this.sinks.get(plane.id);
    const rect = { x: plane.x, y: plane.y, width: plane.surface.width, height: plane.surface.height };
    const fb = sink?.framebufferSize?.() ?? rect;
    const p = mapToPlane(x, y, rect, fb.width, fb.height);
    if (!p.inside && !grabbed) return;
    sink?.pointer?.pointer(p.x, p.y, mask);
    this.streams
      .get(plane.id)
      ?.next({ type: 'pointer', session, x: p.x, y: p.y, buttonMask: mask, inside: p.inside });
  }

  private setFocus(session: number, v: Viewer, id: string | undefined): void {
    if (v.focus === id) return;
    if (v.focus !== undefined) this.streams.get(v.focus)?.next({ type: 'focus', session, focused: false });
    v.focus = id;
    if (id !== undefined) this.streams.get(id)?.next({ type: 'focus', session, focused: true });
  }

  /** A plane nobody takes input for (no program attached, no client listening) moves with a plain drag. */
  private takesNoInput(plane: RoutedPlane | undefined): boolean {
    return plane !== undefined && !this.sinks.has(plane.id) && !this.streams.get(plane.id)?.observed;
  }

  /** The plane if it still exists (a grabbed plane may have been removed). */
  private live(id: string): RoutedPlane | undefined {
    try {
      return this.planes.plane(id);
    } catch (e) {
      if (isKernelError(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  /**
   * A viewer left: its held keys and buttons are released where they went, its queue dropped.
   * A drag in progress is left to the drag handler's own `forget`.
   */
  private forget(session: number): void {
    const v = this.viewers.get(session);
    if (!v) return;
    v.throttle.close();
    for (const { keysym } of [...v.down.values()]) this.key(session, v, keysym, false);
    if (v.mask !== 0 && !v.dragging && v.grab !== undefined) {
      const plane = this.live(v.grab);
      if (plane) this.deliverPointer(session, plane, 0, v.x, v.y, true);
    }
    this.setFocus(session, v, undefined);
    this.viewers.delete(session);
  }
}
