import 'reflect-metadata';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DEFAULT_RFB_OPTIONS, type RfbServer, type RfbServerEvent } from './server.js';
import { MemoryTransport, makeFrame, startServer } from './test-support.js';

const { maxMessagesPerTurn } = DEFAULT_RFB_OPTIONS;
const HANDSHAKE = Buffer.from('RFB 003.008\x0a\x01\x01');
const W = 32;
const H = 16;

function pointer(mask: number, x: number, y: number): Buffer {
  const b = Buffer.from([5, mask, 0, 0, 0, 0]);
  b.writeUInt16BE(x, 2);
  b.writeUInt16BE(y, 4);
  return b;
}

function request(incremental: boolean): Buffer {
  const b = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16BE(W, 6);
  b.writeUInt16BE(H, 8);
  return b;
}

const repeat = (n: number, f: (i: number) => Buffer) =>
  Buffer.concat(Array.from({ length: n }, (_, i) => f(i)));

describe('RfbServer fairness: one client cannot starve the others (work counted, virtual time)', () => {
  let scheduler: VirtualTimeScheduler;
  let server: RfbServer;
  let pointers: Extract<RfbServerEvent, { type: 'pointer' }>[];

  beforeEach(async () => {
    scheduler = new VirtualTimeScheduler();
    server = await startServer(makeFrame(W, H), { listenTcp: false, maxBufferedBytes: 1 << 30 }, scheduler);
    pointers = [];
    server.events$.subscribe((e) => e.type === 'pointer' && pointers.push(e));
  });
  afterEach(() => server.close());

  function viewer(address: string): MemoryTransport {
    const t = new MemoryTransport(address);
    server.accept(t);
    t.sink.data(HANDSHAKE);
    return t;
  }

  it('a pointer flood with the button held is handled a bounded batch per turn, its motion coalesced', () => {
    const flooder = viewer('10.0.0.1');
    const n = 10_000;
    flooder.sink.data(repeat(n, (i) => pointer(1, i % 1000, i % 500)));
    // this turn: one batch, published as one event; the rest waits with the transport paused
    expect(pointers.length).to.equal(1);
    expect(flooder.paused).to.equal(true);

    const victim = viewer('10.0.0.2');
    const before = victim.writes.length;
    victim.sink.data(request(false));
    expect(victim.writes.length).to.equal(
      before + 1,
      "the victim's full update went out before the flood ends",
    );

    scheduler.flush();
    expect(pointers.length).to.equal(Math.ceil(n / maxMessagesPerTurn));
    expect(pointers.at(-1)).to.include({ buttonMask: 1, x: (n - 1) % 1000, y: (n - 1) % 500 });
    expect(flooder.paused).to.equal(false);
  });

  it('button changes are never coalesced away: press, motion, release in one turn give three events', () => {
    const t = viewer('10.0.0.1');
    t.sink.data(
      Buffer.concat([
        pointer(0, 1, 1),
        pointer(1, 2, 2),
        pointer(1, 3, 3),
        pointer(1, 4, 4),
        pointer(0, 5, 5),
      ]),
    );
    expect(pointers.map((p) => [p.buttonMask, p.x, p.y])).to.deep.equal([
      [0, 1, 1],
      [1, 4, 4],
      [0, 5, 5],
    ]);
  });

  it('a flood of full-update requests costs one update per turn, not one per request', () => {
    const flooder = viewer('10.0.0.1');
    const n = 2_000;
    flooder.sink.data(repeat(n, () => request(false)));
    scheduler.flush();
    expect(server.stats().updates).to.equal(Math.ceil(n / maxMessagesPerTurn));
  });
});
