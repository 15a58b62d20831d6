import 'reflect-metadata';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DEFAULT_RFB_OPTIONS, type RfbOptions, type RfbServer, type RfbServerEvent } from './server.js';
import { MemoryTransport, makeFrame, startServer } from './test-support.js';

const { idleEvictMs, handshakeGraceMs, closeGraceMs } = DEFAULT_RFB_OPTIONS;
/** ProtocolVersion 3.8, security None, ClientInit: the session is past its handshake. */
const HANDSHAKE = Buffer.from('RFB 003.008\x0a\x01\x01');
const INCREMENTAL = Buffer.from([3, 1, 0, 0, 0, 0, 0, 8, 0, 8]);
const FULL = Buffer.from([3, 0, 0, 0, 0, 0, 0, 8, 0, 8]);

/** The reason of an RFB 3.8 refusal written after the server's ProtocolVersion. */
function refusalReason(t: MemoryTransport): string {
  const b = t.written.subarray(12);
  expect(b[0]).to.equal(0, 'zero security types');
  return b.subarray(5, 5 + b.readUInt32BE(1)).toString('latin1');
}

describe('RfbServer connection policy (virtual time)', () => {
  let scheduler: VirtualTimeScheduler;
  let server: RfbServer;
  let events: RfbServerEvent[];

  async function start(options: Partial<RfbOptions>): Promise<void> {
    scheduler = new VirtualTimeScheduler();
    server = await startServer(makeFrame(8, 8), { listenTcp: false, ...options }, scheduler);
    events = [];
    server.events$.subscribe((e) => events.push(e));
  }
  afterEach(() => server.close());

  /** Lets `ms` of virtual time pass, running what falls due. */
  function advance(ms: number): void {
    const until = scheduler.now() + ms;
    scheduler.schedule(() => {}, ms);
    scheduler.maxFrames = until;
    scheduler.flush();
  }

  function connect(address: string, bytes?: Buffer): MemoryTransport {
    const t = new MemoryTransport(address);
    server.accept(t);
    if (bytes) t.sink.data(bytes);
    return t;
  }

  const ofType = <T extends RfbServerEvent['type']>(type: T) =>
    events.filter((e): e is Extract<RfbServerEvent, { type: T }> => e.type === type);

  it('full and nothing evictable: the newcomer is told why (RFB failure); an idle viewer later gives its slot', async () => {
    await start({ maxClients: 2 });
    const a = connect('10.0.0.1', HANDSHAKE);
    const b = connect('10.0.0.2', HANDSHAKE);
    const c = connect('10.0.0.3');
    c.sink.data(Buffer.from('RFB 003.008\n'));
    expect(refusalReason(c)).to.equal('too many viewers (max 2) and none idle');
    expect(c.closed).to.equal(true);
    expect(ofType('refused')).to.deep.equal([
      { type: 'refused', transport: 'tcp', remote: '10.0.0.3:1', reason: refusalReason(c), dropped: false },
    ]);

    advance(idleEvictMs - 1000);
    b.sink.data(Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61])); // b types a key: active again
    advance(1000);
    const d = connect('10.0.0.4', HANDSHAKE);
    const gone = ofType('disconnected');
    expect(gone.map((e) => [e.remote, e.evicted])).to.deep.equal([['10.0.0.1:1', true]]);
    expect(gone[0].reason).to.equal(
      `evicted (idle for ${idleEvictMs / 1000} s): a new viewer needed the slot`,
    );
    expect([a.closed, b.closed, d.closed]).to.deep.equal([true, false, false]);
    expect(server.stats().clients).to.equal(2);
  });

  it('a viewer waiting for an update (request outstanding, as noVNC on a still screen) is never evicted', async () => {
    await start({ maxClients: 1 });
    const a = connect('10.0.0.1', HANDSHAKE);
    a.sink.data(FULL);
    a.sink.data(INCREMENTAL); // nothing changes: it stays outstanding
    advance(10 * idleEvictMs);
    const b = connect('10.0.0.2', Buffer.from('RFB 003.008\n'));
    expect(refusalReason(b)).to.match(/none idle/);
    expect(a.closed).to.equal(false);
  });

  it('a handshake unfinished after handshakeGraceMs is evicted first, before an idle viewer', async () => {
    await start({ maxClients: 2 });
    const idle = connect('10.0.0.1', HANDSHAKE);
    advance(idleEvictMs);
    const stalled = connect('10.0.0.2', Buffer.from('RFB 003.0')); // half a version, then nothing
    advance(handshakeGraceMs);
    const fresh = connect('10.0.0.3', HANDSHAKE);
    expect(ofType('disconnected').map((e) => e.reason)).to.deep.equal([
      `evicted (handshake unfinished after ${handshakeGraceMs} ms): a new viewer needed the slot`,
    ]);
    expect([idle.closed, stalled.closed, fresh.closed]).to.deep.equal([false, true, false]);
  });

  it('one address holds at most maxClientsPerAddress sessions; other addresses still get in', async () => {
    await start({ maxClientsPerAddress: 2 });
    for (const t of [connect('127.0.0.1', HANDSHAKE), connect('127.0.0.1', HANDSHAKE)]) {
      t.sink.data(FULL);
      t.sink.data(INCREMENTAL);
    }
    const third = connect('127.0.0.1', Buffer.from('RFB 003.008\n'));
    expect(refusalReason(third)).to.equal('too many viewers from 127.0.0.1 (max 2) and none idle');
    const other = connect('127.0.0.2', HANDSHAKE);
    expect(other.closed).to.equal(false);
    expect(server.stats().clients).to.equal(3);
  });

  it('3.3 clients get their refusal as security type 0 (invalid) + reason', async () => {
    await start({ maxClients: 1 });
    connect('10.0.0.1', HANDSHAKE).sink.data(INCREMENTAL); // the first full frame is still due
    const old = connect('10.0.0.2', Buffer.from('RFB 003.003\n'));
    const b = old.written.subarray(12);
    expect(b.readUInt32BE(0)).to.equal(0);
    expect(b.subarray(8, 8 + b.readUInt32BE(4)).toString('latin1')).to.match(/none idle/);
  });

  it('refused and closed connections are dropped after closeGraceMs even if the peer ignores them; beyond 2×maxClients open (sessions, refusals, closing), new ones are dropped at once', async () => {
    await start({ maxClients: 2 });
    const a = connect('10.0.0.1', HANDSHAKE);
    a.sink.data(Buffer.from([9])); // unknown message type: closed (gracefully) with a reason
    expect([a.closed, a.destroyed]).to.deep.equal([true, false]);
    const waiting = connect('10.0.0.2', HANDSHAKE);
    connect('10.0.0.5', HANDSHAKE).sink.data(INCREMENTAL);
    waiting.sink.data(INCREMENTAL);
    const silent = connect('10.0.0.3'); // refused, never sends its version
    expect([server.hasRoom, silent.destroyed]).to.deep.equal([false, false]);
    const extra = connect('10.0.0.4');
    expect(extra.destroyed).to.equal(true);
    expect(ofType('refused').at(-1)).to.include({ dropped: true, remote: '10.0.0.4:1' });

    advance(closeGraceMs);
    expect([a.destroyed, silent.destroyed, waiting.closed]).to.deep.equal([true, true, false]);
    expect(server.hasRoom).to.equal(true);
  });
});
