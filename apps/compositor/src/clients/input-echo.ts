import type { PlaneInputEvent } from '../input/input-router.js';

/**
 * What the demo console prints about a viewer's input on its plane: a key press as the
 * character it types (or its keysym), a button press with its plane coordinates, focus changes.
 * Motion, releases and held buttons print nothing.
 */
export class InputEcho {
  /** each viewer's last button mask, to see presses */
  private readonly masks = new Map<number, number>();

  line(e: PlaneInputEvent): string | undefined {
    switch (e.type) {
      case 'focus':
        return `VIEWER ${e.session} FOCUS ${e.focused ? 'IN' : 'OUT'}`;
      case 'key': {
        if (!e.down) return undefined;
        const printable = e.keysym >= 0x20 && e.keysym < 0x7f;
        return `KEY ${printable ? String.fromCharCode(e.keysym) : `0X${e.keysym.toString(16).toUpperCase()}`}`;
      }
      case 'pointer': {
        const pressed = e.buttonMask & ~(this.masks.get(e.session) ?? 0);
        this.masks.set(e.session, e.buttonMask);
        return pressed === 0 ? undefined : `PRESS ${pressed} AT ${e.x},${e.y}`;
      }
    }
  }
}
