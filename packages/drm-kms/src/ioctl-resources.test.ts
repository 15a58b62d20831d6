import { XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { modeVrefresh } from './display-mode.js';
import { Client, makeDevice, userArray } from './test-support.js';
import {
  DRM_MODE_CONNECTED,
  DRM_MODE_CONNECTOR_VIRTUAL,
  DRM_MODE_ENCODER_VIRTUAL,
  DRM_MODE_OBJECT_CONNECTOR,
  DRM_MODE_OBJECT_CRTC,
  DRM_MODE_OBJECT_ENCODER,
  DRM_MODE_OBJECT_PLANE,
  DRM_MODE_PROP_ENUM,
  DRM_MODE_PROP_IMMUTABLE,
  DRM_MODE_TYPE_PREFERRED,
  DRM_PLANE_TYPE_PRIMARY,
  STRUCTS,
} from './uapi.js';

function setup(options = {}) {
  const { dev } = makeDevice(options);
  return { dev, a: new Client(dev, 100), b: new Client(dev, 200) };
}

describe('DRM_IOCTL_MODE_GETRESOURCES', () => {
  it('two calls: counts and limits first, then the ids; counts always the real ones', () => {
    const { dev, a } = setup();
    const r = a.struct('drm_mode_card_res');
    expect(a.ioctl('DRM_IOCTL_MODE_GETRESOURCES', r)).to.equal('OK');
    expect([
      r.u32('count_fbs'),
      r.u32('count_crtcs'),
      r.u32('count_encoders'),
      r.u32('count_connectors'),
    ]).to.deep.equal([0, 1, 1, 1]);
    expect([r.u32('min_width'), r.u32('max_width'), r.u32('min_height'), r.u32('max_height')]).to.deep.equal([
      1, 8192, 1, 8192,
    ]);
    const crtcs = userArray(a.mem, 1);
    const encoders = userArray(a.mem, 1);
    const connectors = userArray(a.mem, 1);
    r.set64('crtc_id_ptr', crtcs.addr)
      .set64('encoder_id_ptr', encoders.addr)
      .set64('connector_id_ptr', connectors.addr);
    expect(a.ioctl('DRM_IOCTL_MODE_GETRESOURCES', r)).to.equal('OK');
    expect(crtcs.get(0)).to.equal(BigInt(dev.config.crtc.id));
    expect(encoders.get(0)).to.equal(BigInt(dev.config.encoder.id));
    expect(connectors.get(0)).to.equal(BigInt(dev.config.connector.id));
  });

  it('lists only this file’s framebuffers, newest first, copying min(count, actual)', () => {
    const { a, b } = setup();
    const { handle, pitch } = a.createDumb(64, 64);
    const f1 = a.addFb2(handle, 64, 64, pitch, XRGB8888.code);
    const f2 = a.addFb2(handle, 32, 32, pitch, XRGB8888.code);
    const fbs = userArray(a.mem, 1);
    const r = a.struct('drm_mode_card_res').set64('fb_id_ptr', fbs.addr).set32('count_fbs', 1);
    expect(a.ioctl('DRM_IOCTL_MODE_GETRESOURCES', r)).to.equal('OK');
    expect(r.u32('count_fbs')).to.equal(2);
    expect(fbs.get(0)).to.equal(BigInt(f2));
    const all = userArray(a.mem, 2);
    r.set64('fb_id_ptr', all.addr).set32('count_fbs', 2);
    a.ioctl('DRM_IOCTL_MODE_GETRESOURCES', r);
    expect([all.get(0), all.get(1)]).to.deep.equal([BigInt(f2), BigInt(f1)]);
    const rb = b.struct('drm_mode_card_res');
    b.ioctl('DRM_IOCTL_MODE_GETRESOURCES', rb);
    expect(rb.u32('count_fbs')).to.equal(0);
  });

  it('EFAULT when a count promises room the pointer does not have', () => {
    const { a } = setup();
    const r = a.struct('drm_mode_card_res').set32('count_crtcs', 1).set64('crtc_id_ptr', 0x10);
    expect(a.ioctl('DRM_IOCTL_MODE_GETRESOURCES', r)).to.equal('EFAULT');
  });
});

const MI = STRUCTS.drm_mode_modeinfo;

describe('DRM_IOCTL_MODE_GETCONNECTOR', () => {
  it('a connected virtual connector with its modes (preferred first), one encoder and properties', () => {
    const { dev, a } = setup({ extraModes: [[320, 240]] });
    const c = a.struct('drm_mode_get_connector').set32('connector_id', dev.config.connector.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETCONNECTOR', c)).to.equal('OK');
    expect(c.u32('connection')).to.equal(DRM_MODE_CONNECTED);
    expect(c.u32('connector_type')).to.equal(DRM_MODE_CONNECTOR_VIRTUAL);
    expect(c.u32('connector_type_id')).to.equal(1);
    expect(c.u32('encoder_id')).to.equal(0); // routed through no encoder while the CRTC is off
    expect([c.u32('count_modes'), c.u32('count_encoders'), c.u32('count_props')]).to.deep.equal([2, 1, 4]);
    expect([c.u32('mm_width'), c.u32('mm_height')]).to.deep.equal([169, 127]);
    const modes = a.mem.alloc(2 * MI.sizeof);
    const encs = userArray(a.mem, 1);
    const props = userArray(a.mem, 4);
    const values = userArray(a.mem, 4, 8);
    c.set64('modes_ptr', modes).set64('encoders_ptr', encs.addr).set64('props_ptr', props.addr);
    c.set64('prop_values_ptr', values.addr);
    expect(a.ioctl('DRM_IOCTL_MODE_GETCONNECTOR', c)).to.equal('OK');
    const m = a.mem.view(modes, 2 * MI.sizeof);
    expect(m.getUint16(MI.fields.hdisplay, true)).to.equal(640);
    expect(m.getUint16(MI.fields.vdisplay, true)).to.equal(480);
    expect(m.getUint32(MI.fields.vrefresh, true)).to.equal(60);
    expect(m.getUint32(MI.fields.type, true) & DRM_MODE_TYPE_PREFERRED).to.not.equal(0);
    expect(new TextDecoder().decode(a.mem.read(modes + MI.fields.name, 7))).to.equal('640x480');
    expect(m.getUint16(MI.sizeof + MI.fields.hdisplay, true)).to.equal(320);
    expect(m.getUint32(MI.sizeof + MI.fields.type, true) & DRM_MODE_TYPE_PREFERRED).to.equal(0);
    expect(encs.get(0)).to.equal(BigInt(dev.config.encoder.id));
    const dpms = dev.config.dpmsProperty.id;
    expect([0, 1, 2, 3].map((i) => props.get(i))).to.include(BigInt(dpms));
  });

  it('modes and encoders are copied only when the count holds them all (no partial copy)', () => {
    const { dev, a } = setup({ extraModes: [[320, 240]] });
    const modes = a.mem.alloc(2 * MI.sizeof);
    const c = a.struct('drm_mode_get_connector').set32('connector_id', dev.config.connector.id);
    c.set32('count_modes', 1).set64('modes_ptr', modes);
    const before = a.mem.writes;
    expect(a.ioctl('DRM_IOCTL_MODE_GETCONNECTOR', c)).to.equal('OK');
    expect(a.mem.writes - before).to.equal(1); // only the struct itself
    expect(a.mem.view(modes, 4).getUint32(0, true)).to.equal(0);
    expect(c.u32('count_modes')).to.equal(2);
  });

  it('ENOENT for an unknown id or a non-connector id; EFAULT for a bad modes pointer', () => {
    const { dev, a } = setup();
    for (const id of [0, 9999, dev.config.crtc.id]) {
      const c = a.struct('drm_mode_get_connector').set32('connector_id', id);
      expect(a.ioctl('DRM_IOCTL_MODE_GETCONNECTOR', c), `id ${id}`).to.equal('ENOENT');
    }
    const c = a.struct('drm_mode_get_connector').set32('connector_id', dev.config.connector.id);
    c.set32('count_modes', 5).set64('modes_ptr', 8);
    expect(a.ioctl('DRM_IOCTL_MODE_GETCONNECTOR', c)).to.equal('EFAULT');
  });

  it('encoder_id is the encoder while the connector drives the CRTC, 0 before and after (Qt follows it)', () => {
    const { dev, a } = setup();
    const encoderId = () => {
      const c = a.struct('drm_mode_get_connector').set32('connector_id', dev.config.connector.id);
      expect(a.ioctl('DRM_IOCTL_MODE_GETCONNECTOR', c)).to.equal('OK');
      return c.u32('encoder_id');
    };
    expect(encoderId()).to.equal(0);
    const { handle, pitch } = a.createDumb(640, 480);
    expect(a.setCrtc(a.addFb2(handle, 640, 480, pitch, XRGB8888.code))).to.equal('OK');
    expect(encoderId()).to.equal(dev.config.encoder.id);
    expect(a.setCrtc(0)).to.equal('OK');
    expect(encoderId()).to.equal(0);
  });
});

describe('DRM_IOCTL_MODE_GETENCODER / GETCRTC', () => {
  it('the encoder is virtual, drives CRTC 0, and reports its CRTC only while it is on', () => {
    const { dev, a } = setup();
    const e = a.struct('drm_mode_get_encoder').set32('encoder_id', dev.config.encoder.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETENCODER', e)).to.equal('OK');
    expect([
      e.u32('encoder_type'),
      e.u32('crtc_id'),
      e.u32('possible_crtcs'),
      e.u32('possible_clones'),
    ]).to.deep.equal([DRM_MODE_ENCODER_VIRTUAL, 0, 1, 0]);
    const { handle, pitch } = a.createDumb(640, 480);
    expect(a.setCrtc(a.addFb2(handle, 640, 480, pitch, XRGB8888.code))).to.equal('OK');
    a.ioctl('DRM_IOCTL_MODE_GETENCODER', e);
    expect(e.u32('crtc_id')).to.equal(dev.config.crtc.id);
    const bad = a.struct('drm_mode_get_encoder').set32('encoder_id', dev.config.connector.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETENCODER', bad)).to.equal('ENOENT');
  });

  it('GETCRTC: off before SETCRTC; fb, position and mode after', () => {
    const { dev, a } = setup();
    const c = a.struct('drm_mode_crtc').set32('crtc_id', dev.config.crtc.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETCRTC', c)).to.equal('OK');
    expect([c.u32('fb_id'), c.u32('mode_valid'), c.u32('gamma_size')]).to.deep.equal([0, 0, 0]);
    const { handle, pitch } = a.createDumb(700, 500);
    const fb = a.addFb2(handle, 700, 500, pitch, XRGB8888.code);
    expect(a.setCrtc(fb, 10, 20)).to.equal('OK');
    expect(a.ioctl('DRM_IOCTL_MODE_GETCRTC', c)).to.equal('OK');
    expect([c.u32('fb_id'), c.u32('x'), c.u32('y'), c.u32('mode_valid')]).to.deep.equal([fb, 10, 20, 1]);
    const modeBase = c.addr + STRUCTS.drm_mode_crtc.fields.mode;
    expect(a.mem.view(modeBase + MI.fields.hdisplay, 2).getUint16(0, true)).to.equal(640);
    expect(a.mem.view(modeBase + MI.fields.vrefresh, 4).getUint32(0, true)).to.equal(
      modeVrefresh(dev.config.connector.modes[0]),
    );
    const bad = a.struct('drm_mode_crtc').set32('crtc_id', dev.config.primary.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETCRTC', bad)).to.equal('ENOENT');
  });
});

describe('DRM_IOCTL_MODE_GETPLANERESOURCES / GETPLANE', () => {
  it('without UNIVERSAL_PLANES no plane is listed; with it the primary plane', () => {
    const { dev, a } = setup();
    const r = a.struct('drm_mode_get_plane_res');
    expect(a.ioctl('DRM_IOCTL_MODE_GETPLANERESOURCES', r)).to.equal('OK');
    expect(r.u32('count_planes')).to.equal(0);
    const cap = a.struct('drm_set_client_cap').set64('capability', 2).set64('value', 1);
    a.ioctl('DRM_IOCTL_SET_CLIENT_CAP', cap);
    const ids = userArray(a.mem, 1);
    r.set64('plane_id_ptr', ids.addr).set32('count_planes', 1);
    expect(a.ioctl('DRM_IOCTL_MODE_GETPLANERESOURCES', r)).to.equal('OK');
    expect(r.u32('count_planes')).to.equal(1);
    expect(ids.get(0)).to.equal(BigInt(dev.config.primary.id));
  });

  it('GETPLANE: formats all or nothing, crtc/fb once scanning out; ENOENT for a non-plane', () => {
    const { dev, a } = setup();
    const p = a.struct('drm_mode_get_plane').set32('plane_id', dev.config.primary.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETPLANE', p)).to.equal('OK');
    expect(p.u32('count_format_types')).to.equal(4);
    expect([p.u32('crtc_id'), p.u32('fb_id'), p.u32('possible_crtcs')]).to.deep.equal([0, 0, 1]);
    const formats = userArray(a.mem, 4);
    p.set64('format_type_ptr', formats.addr).set32('count_format_types', 3);
    a.ioctl('DRM_IOCTL_MODE_GETPLANE', p);
    expect(formats.get(0)).to.equal(0n);
    p.set32('count_format_types', 4);
    a.ioctl('DRM_IOCTL_MODE_GETPLANE', p);
    expect(formats.get(0)).to.equal(BigInt(XRGB8888.code));
    const { handle, pitch } = a.createDumb(640, 480);
    const fb = a.addFb2(handle, 640, 480, pitch, XRGB8888.code);
    a.setCrtc(fb);
    a.ioctl('DRM_IOCTL_MODE_GETPLANE', p);
    expect([p.u32('crtc_id'), p.u32('fb_id')]).to.deep.equal([dev.config.crtc.id, fb]);
    const bad = a.struct('drm_mode_get_plane').set32('plane_id', dev.config.crtc.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETPLANE', bad)).to.equal('ENOENT');
  });
});

describe('properties', () => {
  it('OBJ_GETPROPERTIES on the primary plane lists "type" = Primary; GETPROPERTY describes the enum', () => {
    const { dev, a } = setup();
    const o = a.struct('drm_mode_obj_get_properties').set32('obj_id', dev.config.primary.id);
    o.set32('obj_type', DRM_MODE_OBJECT_PLANE);
    expect(a.ioctl('DRM_IOCTL_MODE_OBJ_GETPROPERTIES', o)).to.equal('OK');
    expect(o.u32('count_props')).to.equal(1);
    const ids = userArray(a.mem, 1);
    const values = userArray(a.mem, 1, 8);
    o.set64('props_ptr', ids.addr).set64('prop_values_ptr', values.addr);
    a.ioctl('DRM_IOCTL_MODE_OBJ_GETPROPERTIES', o);
    expect(values.get(0)).to.equal(BigInt(DRM_PLANE_TYPE_PRIMARY));
    const p = a.struct('drm_mode_get_property').set32('prop_id', Number(ids.get(0)));
    expect(a.ioctl('DRM_IOCTL_MODE_GETPROPERTY', p)).to.equal('OK');
    expect(
      new TextDecoder().decode(a.mem.read(p.addr + STRUCTS.drm_mode_get_property.fields.name, 4)),
    ).to.equal('type');
    expect(p.u32('flags')).to.equal(DRM_MODE_PROP_ENUM | DRM_MODE_PROP_IMMUTABLE);
    expect([p.u32('count_values'), p.u32('count_enum_blobs')]).to.deep.equal([3, 3]);
    const enums = a.mem.alloc(3 * STRUCTS.drm_mode_property_enum.sizeof);
    const vals = userArray(a.mem, 3, 8);
    p.set64('enum_blob_ptr', enums).set64('values_ptr', vals.addr);
    expect(a.ioctl('DRM_IOCTL_MODE_GETPROPERTY', p)).to.equal('OK');
    const E = STRUCTS.drm_mode_property_enum;
    const name1 = new TextDecoder().decode(a.mem.read(enums + E.sizeof + E.fields.name, 7));
    expect(name1).to.equal('Primary');
    expect(a.mem.view(enums + E.sizeof, 8).getBigUint64(0, true)).to.equal(1n);
    expect([vals.get(0), vals.get(1), vals.get(2)]).to.deep.equal([0n, 1n, 2n]);
  });

  it('OBJ_GETPROPERTIES: ENOENT for a wrong type or id, EINVAL for an object without properties', () => {
    const { dev, a } = setup();
    const o = a.struct('drm_mode_obj_get_properties').set32('obj_id', dev.config.primary.id);
    o.set32('obj_type', DRM_MODE_OBJECT_CRTC);
    expect(a.ioctl('DRM_IOCTL_MODE_OBJ_GETPROPERTIES', o)).to.equal('ENOENT');
    o.set32('obj_id', dev.config.encoder.id).set32('obj_type', DRM_MODE_OBJECT_ENCODER);
    expect(a.ioctl('DRM_IOCTL_MODE_OBJ_GETPROPERTIES', o)).to.equal('EINVAL');
    o.set32('obj_id', dev.config.crtc.id).set32('obj_type', 0);
    expect(a.ioctl('DRM_IOCTL_MODE_OBJ_GETPROPERTIES', o)).to.equal('OK');
    expect(o.u32('count_props')).to.equal(0);
    o.set32('obj_id', dev.config.connector.id).set32('obj_type', DRM_MODE_OBJECT_CONNECTOR);
    a.ioctl('DRM_IOCTL_MODE_OBJ_GETPROPERTIES', o);
    expect(o.u32('count_props')).to.equal(4);
  });

  it('GETPROPERTY: ENOENT for a non-property id; GETPROPBLOB returns EDID only with the exact length', () => {
    const edid = new Uint8Array(128).map((_, i) => i);
    const { dev, a } = setup({ edid });
    const p = a.struct('drm_mode_get_property').set32('prop_id', dev.config.crtc.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETPROPERTY', p)).to.equal('ENOENT');
    const blobId = dev.config.edid?.id ?? 0;
    const b = a.struct('drm_mode_get_blob').set32('blob_id', blobId);
    expect(a.ioctl('DRM_IOCTL_MODE_GETPROPBLOB', b)).to.equal('OK');
    expect(b.u32('length')).to.equal(128);
    const data = a.mem.alloc(128);
    b.set64('data', data).set32('length', 100);
    a.ioctl('DRM_IOCTL_MODE_GETPROPBLOB', b);
    expect(a.mem.read(data, 4)).to.deep.equal(new Uint8Array(4));
    b.set32('length', 128);
    a.ioctl('DRM_IOCTL_MODE_GETPROPBLOB', b);
    expect(a.mem.read(data, 128)).to.deep.equal(edid);
    const none = a.struct('drm_mode_get_blob').set32('blob_id', dev.config.crtc.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETPROPBLOB', none)).to.equal('ENOENT');
  });

  it('SETPROPERTY changes DPMS (master only); immutable or unattached properties and bad values are EINVAL', () => {
    const { dev, a, b } = setup();
    const s = a.struct('drm_mode_obj_set_property').set32('obj_id', dev.config.connector.id);
    s.set32('obj_type', DRM_MODE_OBJECT_CONNECTOR)
      .set32('prop_id', dev.config.dpmsProperty.id)
      .set64('value', 3);
    expect(b.ioctl('DRM_IOCTL_MODE_OBJ_SETPROPERTY', b.struct('drm_mode_obj_set_property'))).to.equal(
      'EACCES',
    );
    expect(a.ioctl('DRM_IOCTL_MODE_OBJ_SETPROPERTY', s)).to.equal('OK');
    expect(dev.config.connector.dpms).to.equal(3);
    s.set64('value', 7);
    expect(a.ioctl('DRM_IOCTL_MODE_OBJ_SETPROPERTY', s)).to.equal('EINVAL');
    s.set32('prop_id', dev.config.nonDesktopProperty.id).set64('value', 1);
    expect(a.ioctl('DRM_IOCTL_MODE_OBJ_SETPROPERTY', s)).to.equal('EINVAL');
    s.set32('prop_id', dev.config.planeTypeProperty.id).set64('value', 1);
    expect(a.ioctl('DRM_IOCTL_MODE_OBJ_SETPROPERTY', s)).to.equal('EINVAL');
    expect(dev.config.connector.dpms).to.equal(3);
    const legacy = a.struct('drm_mode_connector_set_property').set32('connector_id', dev.config.connector.id);
    legacy.set32('prop_id', dev.config.dpmsProperty.id).set64('value', 0);
    expect(a.ioctl('DRM_IOCTL_MODE_SETPROPERTY', legacy)).to.equal('OK');
    expect(dev.config.connector.dpms).to.equal(0);
  });

  it('object and property ids are unique and stable across devices built alike', () => {
    const one = setup().dev.config;
    const two = setup().dev.config;
    const ids = (c: typeof one) => [
      c.dpmsProperty.id,
      c.edidProperty.id,
      c.linkStatusProperty.id,
      c.nonDesktopProperty.id,
      c.planeTypeProperty.id,
      c.primary.id,
      c.crtc.id,
      c.encoder.id,
      c.connector.id,
    ];
    expect(new Set(ids(one)).size).to.equal(9);
    expect(ids(one)).to.deep.equal(ids(two));
  });
});
