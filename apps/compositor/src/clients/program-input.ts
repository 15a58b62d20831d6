import type { ChrdevRegistry } from '@fbemu/chrdev';
import {
  type EvdevHandle,
  EvdevRegistry,
  KeyboardInput,
  keyboardOptions,
  PointerInput,
  tabletOptions,
} from '@fbemu/evdev';

/**
 * A program's input devices: a keyboard (/dev/input/event0) and an absolute pointer over its
 * framebuffer (/dev/input/event1, ABS_X 0…width-1, ABS_Y 0…height-1), on its own front door.
 * The compositor's InputRouter feeds them while the program's plane has a viewer's focus.
 */
export class ProgramInputDevices {
  readonly keyboard: KeyboardInput;
  readonly pointer: PointerInput;
  private readonly evdev = new EvdevRegistry();
  private readonly handles: EvdevHandle[];

  constructor(
    private readonly registry: ChrdevRegistry,
    width: number,
    height: number,
  ) {
    const kbd = this.evdev.register(keyboardOptions());
    const tab = this.evdev.register(tabletOptions(width, height));
    this.handles = [kbd, tab];
    for (const h of this.handles) registry.register(h.chrdev);
    this.keyboard = new KeyboardInput(kbd.input);
    this.pointer = new PointerInput(tab.input);
  }

  /** FBEMU_KEYBOARD and FBEMU_POINTER: the nodes' paths (/dev/input cannot be listed). */
  env(): Record<string, string> {
    const [kbd, tab] = this.handles;
    return { FBEMU_KEYBOARD: kbd.chrdev.path, FBEMU_POINTER: tab.chrdev.path };
  }

  /** The devices go away: open files answer ENODEV, the nodes leave the front door. */
  close(): void {
    for (const h of this.handles.splice(0)) {
      this.evdev.unregister(h);
      this.registry.unregister(h.chrdev.path);
    }
  }
}
