import { check } from '@fbemu/gem-shmem';
import { Observable, Subject } from 'rxjs';
import { Bitmap } from './bitmap.js';
import type { InputClock, InputDeviceOptions, InputFrame, InputValue } from './tokens.js';
import {
  ABS_MAX,
  type AbsInfo,
  CLOCK_BOOTTIME,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  EV_ABS,
  EV_FF,
  EV_KEY,
  EV_LED,
  EV_MAX,
  EV_MSC,
  EV_REL,
  EV_REP,
  EV_SND,
  EV_SW,
  EV_SYN,
  FF_MAX,
  INPUT_PROP_MAX,
  type InputId,
  KEY_MAX,
  LED_MAX,
  MSC_MAX,
  REL_MAX,
  SND_MAX,
  SW_MAX,
  SYN_REPORT,
} from './uapi.js';

/** The highest code of each event type evdev reports a bitmap for (EVIOCGBIT(ev)). */
export const CODE_MAX: ReadonlyMap<number, number> = new Map([
  [EV_SYN, EV_MAX],
  [EV_KEY, KEY_MAX],
  [EV_REL, REL_MAX],
  [EV_ABS, ABS_MAX],
  [EV_MSC, MSC_MAX],
  [EV_LED, LED_MAX],
  [EV_SND, SND_MAX],
  [EV_FF, FF_MAX],
  [EV_SW, SW_MAX],
]);

/** Values one frame may hold before the core flushes it on its own (input_dev's max_vals). */
const MAX_VALS = 64;

/**
 * struct input_dev plus the input core's event path (drivers/input/input.c): capabilities,
 * current key/LED/switch/axis state, and `event()` = input_event(): unsupported events and
 * events that change nothing are dropped (a key already down, an axis at its value, a zero
 * relative motion), the rest accumulate until SYN_REPORT flushes them as one frame to the
 * handlers (`frames$`); a SYN_REPORT with nothing before it is not passed on.
 */
export class InputDevice {
  readonly name: string;
  readonly phys: string | undefined;
  readonly uniq: string | undefined;
  readonly id: InputId;
  readonly propbit = new Bitmap(INPUT_PROP_MAX);
  /** capability bitmaps by event type (type 0 is evbit) */
  readonly capabilities = new Map<number, Bitmap>();
  readonly key = new Bitmap(KEY_MAX);
  readonly led = new Bitmap(LED_MAX);
  readonly snd = new Bitmap(SND_MAX);
  readonly sw = new Bitmap(SW_MAX);
  /** absinfo per axis, present when the device has EV_ABS */
  readonly absinfo: AbsInfo[] | undefined;
  /** autorepeat delay and period (ms), for EV_REP devices */
  readonly rep: [number, number];
  private readonly pending: InputValue[] = [];
  private readonly frames = new Subject<InputFrame>();
  readonly frames$: Observable<InputFrame> = this.frames.asObservable();

  constructor(
    options: InputDeviceOptions,
    private readonly clock: InputClock,
  ) {
    check(typeof options.name === 'string' && !options.name.includes('\0'), 'EINVAL', 'bad device name');
    const u16 = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;
    const id = options.id;
    check(
      id !== undefined && u16(id.bustype) && u16(id.vendor) && u16(id.product) && u16(id.version),
      'EINVAL',
      'input_id fields are u16',
    );
    this.name = options.name;
    this.phys = options.phys;
    this.uniq = options.uniq;
    this.id = options.id;
    for (const [type, max] of CODE_MAX) this.capabilities.set(type, new Bitmap(max));
    const evbit = this.bits(EV_SYN);
    evbit.set(EV_SYN);
    for (const [type, codes] of Object.entries(options.codes ?? {})) this.enable(Number(type), codes);
    for (const p of options.props ?? []) this.propbit.set(p);
    if (options.abs !== undefined && options.abs.size > 0) {
      this.absinfo = Array.from({ length: ABS_MAX + 1 }, () => ({
        value: 0,
        minimum: 0,
        maximum: 0,
        fuzz: 0,
        flat: 0,
        resolution: 0,
      }));
      for (const [code, info] of options.abs) this.absinfo[code] = { ...info };
      this.enable(EV_ABS, [...options.abs.keys()]);
    }
    this.rep = options.rep ? [...options.rep] : [0, 0];
    if (options.rep) evbit.set(EV_REP);
  }

  bits(type: number): Bitmap {
    const b = this.capabilities.get(type);
    check(b !== undefined, 'EINVAL', `no bitmap for event type ${type}`);
    return b;
  }

  private enable(type: number, codes: readonly number[]): void {
    const bits = this.bits(type);
    for (const c of codes) {
      check(
        Number.isInteger(c) && c >= 0 && c <= bits.maxbit,
        'EINVAL',
        `code ${c} out of range for type ${type}`,
      );
      bits.set(c);
    }
    this.bits(EV_SYN).set(type);
  }

  /** Whether the device reports `type` (and `code` of it, for types with codes). */
  supports(type: number, code: number): boolean {
    if (type === EV_REP) return this.bits(EV_SYN).has(EV_REP);
    const bits = this.capabilities.get(type);
    return type !== EV_SYN && this.bits(EV_SYN).has(type) && bits?.has(code) === true;
  }

  /** input_event(): one value; SYN_REPORT flushes the frame. */
  event(type: number, code: number, value: number): void {
    if (type === EV_SYN) {
      if (code === SYN_REPORT) this.flush();
      return;
    }
    if (!this.supports(type, code) || !this.changes(type, code, value)) return;
    this.pending.push({ type, code, value });
    if (this.pending.length >= MAX_VALS - 1) this.flush();
  }

  /** input_get_disposition: updates the state and says whether the value is passed on. */
  private changes(type: number, code: number, value: number): boolean {
    switch (type) {
      case EV_KEY:
        return value === 2 || this.toggle(this.key, code, value);
      case EV_LED:
        return this.toggle(this.led, code, value);
      case EV_SND:
        return this.toggle(this.snd, code, value);
      case EV_SW:
        return this.toggle(this.sw, code, value);
      case EV_ABS: {
        const info = (this.absinfo as AbsInfo[])[code];
        if (info.value === value) return false;
        info.value = value;
        return true;
      }
      case EV_REL:
        return value !== 0;
      case EV_REP:
        if (code > 1 || value < 0 || this.rep[code] === value) return false;
        this.rep[code] = value;
        return true;
      default:
        return true;
    }
  }

  private toggle(state: Bitmap, code: number, value: number): boolean {
    if (state.has(code) === (value !== 0)) return false;
    state.set(code, value !== 0);
    return true;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const values = [...this.pending, { type: EV_SYN, code: SYN_REPORT, value: 0 }];
    this.pending.length = 0;
    const c = this.clock;
    this.frames.next({
      time: { real: c.now(CLOCK_REALTIME), mono: c.now(CLOCK_MONOTONIC), boot: c.now(CLOCK_BOOTTIME) },
      values,
    });
  }

  /** The device is gone (input_unregister_device): handlers see frames$ complete. */
  unregister(): void {
    this.frames.complete();
  }
}
