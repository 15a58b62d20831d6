import { expect } from 'chai';
import { InputEcho } from './input-echo.js';

describe('InputEcho (the demo console reacting to its plane input)', () => {
  it('prints key presses, button presses with plane coordinates and focus; nothing for releases and motion', () => {
    const echo = new InputEcho();
    const key = (keysym: number, down: boolean) =>
      echo.line({ type: 'key', session: 1, down, keysym, key: undefined, bytes: undefined });
    const pointer = (buttonMask: number, x: number, y: number, session = 1) =>
      echo.line({ type: 'pointer', session, x, y, buttonMask, inside: true });
    expect(echo.line({ type: 'focus', session: 1, focused: true })).to.equal('VIEWER 1 FOCUS IN');
    expect(key(0x61, true)).to.equal('KEY a');
    expect(key(0x61, false)).to.equal(undefined);
    expect(key(0xff0d, true)).to.equal('KEY 0XFF0D');
    expect(pointer(0, 3, 4)).to.equal(undefined);
    expect(pointer(1, 5, 6)).to.equal('PRESS 1 AT 5,6');
    expect(pointer(1, 7, 8)).to.equal(undefined); // held: motion
    expect(pointer(5, 7, 8)).to.equal('PRESS 4 AT 7,8'); // button 3 added
    expect(pointer(1, 9, 9, 2)).to.equal('PRESS 1 AT 9,9'); // another viewer's own mask
    expect(pointer(0, 7, 8)).to.equal(undefined);
  });
});
