import { XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import type { DrmKmsDevice } from './drm-device.js';
import type { KmsFile } from './kms-file.js';
import { Client, makeDevice, type UserStruct, writeMode } from './test-support.js';
import { IOCTLS, STRUCTS, type StructName } from './uapi.js';

/** Which argument struct each ioctl takes (SET/DROP_MASTER take none; RMFB a bare u32). */
const ARG: Partial<Record<keyof typeof IOCTLS, StructName>> = {
  DRM_IOCTL_VERSION: 'drm_version',
  DRM_IOCTL_GET_CAP: 'drm_get_cap',
  DRM_IOCTL_SET_CLIENT_CAP: 'drm_set_client_cap',
  DRM_IOCTL_GEM_CLOSE: 'drm_gem_close',
  DRM_IOCTL_MODE_GETRESOURCES: 'drm_mode_card_res',
  DRM_IOCTL_MODE_GETCRTC: 'drm_mode_crtc',
  DRM_IOCTL_MODE_SETCRTC: 'drm_mode_crtc',
  DRM_IOCTL_MODE_CURSOR: 'drm_mode_cursor',
  DRM_IOCTL_MODE_GETGAMMA: 'drm_mode_crtc_lut',
  DRM_IOCTL_MODE_SETGAMMA: 'drm_mode_crtc_lut',
  DRM_IOCTL_MODE_GETENCODER: 'drm_mode_get_encoder',
  DRM_IOCTL_MODE_GETCONNECTOR: 'drm_mode_get_connector',
  DRM_IOCTL_MODE_GETPROPERTY: 'drm_mode_get_property',
  DRM_IOCTL_MODE_SETPROPERTY: 'drm_mode_connector_set_property',
  DRM_IOCTL_MODE_GETPROPBLOB: 'drm_mode_get_blob',
  DRM_IOCTL_MODE_GETFB: 'drm_mode_fb_cmd',
  DRM_IOCTL_MODE_ADDFB: 'drm_mode_fb_cmd',
  DRM_IOCTL_MODE_PAGE_FLIP: 'drm_mode_crtc_page_flip_target',
  DRM_IOCTL_MODE_DIRTYFB: 'drm_mode_fb_dirty_cmd',
  DRM_IOCTL_MODE_CREATE_DUMB: 'drm_mode_create_dumb',
  DRM_IOCTL_MODE_MAP_DUMB: 'drm_mode_map_dumb',
  DRM_IOCTL_MODE_DESTROY_DUMB: 'drm_mode_destroy_dumb',
  DRM_IOCTL_MODE_GETPLANERESOURCES: 'drm_mode_get_plane_res',
  DRM_IOCTL_MODE_GETPLANE: 'drm_mode_get_plane',
  DRM_IOCTL_MODE_ADDFB2: 'drm_mode_fb_cmd2',
  DRM_IOCTL_MODE_OBJ_GETPROPERTIES: 'drm_mode_obj_get_properties',
  DRM_IOCTL_MODE_OBJ_SETPROPERTY: 'drm_mode_obj_set_property',
  DRM_IOCTL_MODE_CURSOR2: 'drm_mode_cursor2',
};

/** Everything an ioctl may change, as one comparable string. */
function snapshot(dev: DrmKmsDevice, clients: Client[], frames: number): string {
  const { config, gem, scanout } = dev;
  const ids: string[] = [];
  for (let id = 1; id < 64; id++) {
    const o = config.idr.find(id, 0);
    if (o) ids.push(`${id}:${o.type.toString(16)}`);
  }
  const files = clients.map((c) => {
    const f = c.chr.privateData as KmsFile;
    return {
      fbs: f.fbs.map((fb) => fb.id),
      handles: [...f.gem.handles].map(([h, o]) => [h, o.size]),
      master: dev.isCurrentMaster(f),
      caps: [f.universalPlanes, f.stereoAllowed, f.aspectRatioAllowed],
      events: c.chr.events.length,
    };
  });
  const { crtc } = config;
  return JSON.stringify({
    ids,
    files,
    offsets: gem.offsets.list().map((n) => [n.start, n.pages, n.owner.refs, n.owner.handleCount]),
    crtc: [crtc.enabled, crtc.mode?.name, crtc.x, crtc.y, crtc.primary.fb?.id, config.encoder.crtc?.id],
    dpms: config.connector.dpms,
    flip: scanout.flipPending,
    frames,
  });
}

/**
 * A valid argument for the state-changing ioctls (the random fields then break a few of its
 * fields), so calls often get far into a handler before failing — where a handler that changes
 * state too early would be caught.
 */
function template(dev: DrmKmsDevice, c: Client, name: keyof typeof IOCTLS, s: UserStruct): void {
  const { config } = dev;
  const fbId = (c.chr.privateData as KmsFile).fbs[0]?.id ?? 10;
  switch (name) {
    case 'DRM_IOCTL_MODE_SETCRTC': {
      const conns = c.mem.alloc(4);
      c.mem.view(conns, 4).setUint32(0, config.connector.id, true);
      s.set32('crtc_id', config.crtc.id).set32('fb_id', fbId).set32('mode_valid', 1);
      s.set32('count_connectors', 1).set64('set_connectors_ptr', conns);
      writeMode(s, config.connector.modes[0]);
      return;
    }
    case 'DRM_IOCTL_MODE_ADDFB2':
      s.set32('width', 64)
        .set32('height', 64)
        .set32('pixel_format', XRGB8888.code)
        .set32('handles', 1)
        .set32('pitches', 2560);
      return;
    case 'DRM_IOCTL_MODE_ADDFB':
      s.set32('width', 64)
        .set32('height', 64)
        .set32('bpp', 32)
        .set32('depth', 24)
        .set32('handle', 1)
        .set32('pitch', 2560);
      return;
    case 'DRM_IOCTL_MODE_CREATE_DUMB':
      s.set32('width', 64).set32('height', 64).set32('bpp', 32);
      return;
    case 'DRM_IOCTL_MODE_PAGE_FLIP':
      s.set32('crtc_id', config.crtc.id).set32('fb_id', fbId).set32('flags', 1);
      return;
    case 'DRM_IOCTL_MODE_DIRTYFB': {
      const clips = c.mem.alloc(16);
      c.mem.view(clips, 8).setUint32(4, 0x00100010, true);
      s.set32('fb_id', fbId).set32('num_clips', 2).set64('clips_ptr', clips);
      return;
    }
    case 'DRM_IOCTL_MODE_OBJ_SETPROPERTY':
      s.set32('obj_id', config.connector.id)
        .set32('obj_type', 0xc0c0c0c0)
        .set32('prop_id', config.dpmsProperty.id);
      return;
    default:
      if (
        name === 'DRM_IOCTL_MODE_MAP_DUMB' ||
        name === 'DRM_IOCTL_MODE_DESTROY_DUMB' ||
        name === 'DRM_IOCTL_GEM_CLOSE'
      )
        s.set32('handle', 1);
  }
}

const u32s = fc.constantFrom(0, 1, 2, 7, 9, 10, 11, 12, 64, 480, 640, 0x7fffffff, 0xffffffff, XRGB8888.code);

describe('bad input: random ioctls never crash and a failed one changes nothing', () => {
  it('fast-check: random fields, counts and pointers on every served ioctl', () => {
    const names = Object.keys(IOCTLS) as (keyof typeof IOCTLS)[];
    const call = fc.record({
      name: fc.constantFrom(...names),
      who: fc.integer({ min: 0, max: 1 }),
      fields: fc.array(fc.tuple(fc.nat(40), u32s), { maxLength: 3 }),
      valid: fc.boolean(),
      ptrs: fc.array(fc.tuple(fc.nat(12), fc.constantFrom('valid', 'null', 'bad', 'readonly')), {
        maxLength: 3,
      }),
      goodMode: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 25 }), (calls) => {
        const { dev } = makeDevice();
        const clients = [new Client(dev, 1), new Client(dev, 2)];
        let frames = 0;
        dev.scanout$.subscribe(() => frames++);
        // some state to break: a buffer, an fb, a mode
        const { handle, pitch } = clients[0].createDumb(640, 480);
        clients[0].setCrtc(clients[0].addFb2(handle, 640, 480, pitch, XRGB8888.code));
        for (const c of calls) {
          const client = clients[c.who];
          const name = ARG[c.name];
          let arg: UserStruct | number;
          if (name) {
            const s = client.struct(name);
            const size = STRUCTS[name].sizeof;
            if (c.valid) template(dev, client, c.name, s);
            for (const [off, v] of c.fields)
              if (off * 4 + 4 <= size) client.mem.view(s.addr + off * 4, 4).setUint32(0, v, true);
            if (c.goodMode && name === 'drm_mode_crtc') writeMode(s, dev.config.connector.modes[0]);
            for (const [off, kind] of c.valid ? c.ptrs.slice(0, 1) : c.ptrs) {
              if (off * 8 + 8 > size) continue;
              const target =
                kind === 'valid'
                  ? client.mem.alloc(4096)
                  : kind === 'readonly'
                    ? client.mem.alloc(4096, false)
                    : kind === 'bad'
                      ? 0x7000
                      : 0;
              client.mem.view(s.addr + off * 8, 8).setBigUint64(0, BigInt(target), true);
            }
            arg = s;
          } else {
            arg = client.mem.alloc(8);
            for (const [off, v] of c.fields) if (off === 0) client.mem.view(arg, 4).setUint32(0, v, true);
          }
          const before = snapshot(dev, clients, frames);
          const result = client.ioctl(c.name, arg);
          if (result !== 'OK')
            expect(snapshot(dev, clients, frames), `${c.name} → ${result}`).to.equal(before);
        }
      }),
      { numRuns: 300 },
    );
  });
});
