import { expect } from 'chai';
import { DEFAULT_SCENE } from '../config/scene-config.js';
import { bannerLines, vncAddress } from './banner.js';

describe('CLI banner', () => {
  it('says the VNC address in the host::port form, IPv6 literals in brackets', () => {
    expect(vncAddress('127.0.0.1', 5900)).to.equal('127.0.0.1::5900');
    expect(vncAddress('::1', 5901)).to.equal('[::1]::5901');
    expect(vncAddress('localhost', 0)).to.equal('localhost::0');
  });

  it('uses the scene host, not a fixed one', () => {
    const scene = { ...DEFAULT_SCENE, rfb: { host: '127.0.0.2', port: 0 } };
    const lines = bannerLines(scene, { rfbPort: 4242, viewerUrl: 'http://127.0.0.2:1/' }, { durationS: 2.5 });
    expect(lines).to.include('  VNC (RFB 3.8):  127.0.0.2::4242   e.g. vncviewer 127.0.0.2::4242');
    expect(lines).to.include('  stopping after 2.5 s (Ctrl-C stops sooner)');
    expect(bannerLines(scene, {}, {})).to.include('  VNC: off (--headless)');
  });
});
