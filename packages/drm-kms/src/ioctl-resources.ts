import { writeModeinfo } from './display-mode.js';
import type { IoctlContext } from './ioctl-context.js';
import { writeObjectProperties } from './ioctl-properties.js';
import { copyToUser, KData, putU32 } from './kdata.js';
import type { DrmConnector, DrmCrtc, DrmEncoder, DrmPlane } from './mode-config.js';
import {
  DRM_MODE_OBJECT_CONNECTOR,
  DRM_MODE_OBJECT_CRTC,
  DRM_MODE_OBJECT_ENCODER,
  DRM_MODE_OBJECT_PLANE,
  DRM_PLANE_TYPE_OVERLAY,
  STRUCTS,
} from './uapi.js';

/**
 * The kernel's "copy up to count, then report the real count" loop (getresources, getplane_res,
 * getproperty values): ids are written one by one with put_user, so a fault after k ids leaves
 * those k written and fails with EFAULT.
 */
function putIds(c: IoctlContext, ptrOff: number, countOff: number, ids: readonly number[]): void {
  const room = c.k.u32(countOff);
  const ptr = c.k.ptr(ptrOff);
  for (let i = 0; i < ids.length; i++) if (i < room) putU32(c.mem, ptr, i, ids[i]);
  c.k.setU32(countOff, ids.length);
}

const R = STRUCTS.drm_mode_card_res.fields;

/** DRM_IOCTL_MODE_GETRESOURCES (`drm_mode_getresources`): this file's fbs, then CRTCs, encoders, connectors. */
export function getResources(c: IoctlContext): void {
  const { config } = c.dev;
  putIds(
    c,
    R.fb_id_ptr,
    R.count_fbs,
    c.file.fbs.map((fb) => fb.id),
  );
  c.k.setU32(R.max_height, config.maxHeight);
  c.k.setU32(R.min_height, config.minHeight);
  c.k.setU32(R.max_width, config.maxWidth);
  c.k.setU32(R.min_width, config.minWidth);
  putIds(
    c,
    R.crtc_id_ptr,
    R.count_crtcs,
    config.crtcs.map((o) => o.id),
  );
  putIds(
    c,
    R.encoder_id_ptr,
    R.count_encoders,
    config.encoders.map((o) => o.id),
  );
  putIds(
    c,
    R.connector_id_ptr,
    R.count_connectors,
    config.connectors.map((o) => o.id),
  );
}

const C = STRUCTS.drm_mode_get_connector.fields;
const MODEINFO = STRUCTS.drm_mode_modeinfo.sizeof;

/**
 * DRM_IOCTL_MODE_GETCONNECTOR (`drm_mode_getconnector`). Unlike getresources, encoders and modes
 * are copied only when the user's count is at least the real one (all or nothing); the counts
 * are always written back. count_modes 0 asks for a probe (only the master's is honoured; the
 * virtual connector's modes never change anyway).
 */
export function getConnector(c: IoctlContext): void {
  const connector = c.dev.find<DrmConnector>(c.k.u32(C.connector_id), DRM_MODE_OBJECT_CONNECTOR);
  const encoders = [connector.encoder.id];
  if (c.k.u32(C.count_encoders) >= encoders.length) {
    const ptr = c.k.ptr(C.encoders_ptr);
    for (let i = 0; i < encoders.length; i++) putU32(c.mem, ptr, i, encoders[i]);
  }
  c.k.setU32(C.count_encoders, encoders.length);
  c.k.setU32(C.connector_id, connector.id);
  c.k.setU32(C.connector_type, connector.connectorType);
  c.k.setU32(C.connector_type_id, connector.connectorTypeId);
  c.k.setU32(C.mm_width, connector.mmWidth);
  c.k.setU32(C.mm_height, connector.mmHeight);
  c.k.setU32(C.subpixel, connector.subpixel);
  c.k.setU32(C.connection, connector.status);
  const { modes } = connector;
  if (modes.length > 0 && c.k.u32(C.count_modes) >= modes.length) {
    const ptr = c.k.ptr(C.modes_ptr);
    const one = new KData(MODEINFO);
    modes.forEach((m, i) => {
      writeModeinfo(one, 0, m);
      copyToUser(c.mem, ptr + i * MODEINFO, one.bytes);
    });
  }
  c.k.setU32(C.count_modes, modes.length);
  // drm_connector_get_encoder: the encoder the connector is routed through, 0 while it drives no
  // CRTC (Qt's KMS screen setup follows this id to GETCRTC and gives up on a CRTC id 0)
  c.k.setU32(C.encoder_id, connector.encoder.crtc ? connector.encoder.id : 0);
  writeObjectProperties(c, connector.properties, C.props_ptr, C.prop_values_ptr, C.count_props);
}

const E = STRUCTS.drm_mode_get_encoder.fields;

/** DRM_IOCTL_MODE_GETENCODER (`drm_mode_getencoder`) */
export function getEncoder(c: IoctlContext): void {
  const encoder = c.dev.find<DrmEncoder>(c.k.u32(E.encoder_id), DRM_MODE_OBJECT_ENCODER);
  c.k.setU32(E.crtc_id, encoder.crtc?.id ?? 0);
  c.k.setU32(E.encoder_type, encoder.encoderType);
  c.k.setU32(E.encoder_id, encoder.id);
  c.k.setU32(E.possible_crtcs, encoder.possibleCrtcs);
  c.k.setU32(E.possible_clones, encoder.possibleClones);
}

const CR = STRUCTS.drm_mode_crtc.fields;

/** DRM_IOCTL_MODE_GETCRTC (`drm_mode_getcrtc`, legacy state): mode only when enabled. */
export function getCrtc(c: IoctlContext): void {
  const crtc = c.dev.find<DrmCrtc>(c.k.u32(CR.crtc_id), DRM_MODE_OBJECT_CRTC);
  c.k.setU32(CR.gamma_size, crtc.gammaSize);
  c.k.setU32(CR.fb_id, crtc.primary.fb?.id ?? 0);
  c.k.setU32(CR.x, crtc.x);
  c.k.setU32(CR.y, crtc.y);
  if (crtc.enabled && crtc.mode) {
    writeModeinfo(c.k, CR.mode, crtc.mode);
    c.k.setU32(CR.mode_valid, 1);
  } else {
    c.k.setU32(CR.mode_valid, 0);
  }
}

const PR = STRUCTS.drm_mode_get_plane_res.fields;

/** DRM_IOCTL_MODE_GETPLANERESOURCES: primary and cursor planes only with UNIVERSAL_PLANES. */
export function getPlaneResources(c: IoctlContext): void {
  const planes = c.dev.config.planes.filter(
    (p) => p.planeType === DRM_PLANE_TYPE_OVERLAY || c.file.universalPlanes,
  );
  putIds(
    c,
    PR.plane_id_ptr,
    PR.count_planes,
    planes.map((p) => p.id),
  );
}

const P = STRUCTS.drm_mode_get_plane.fields;

/** DRM_IOCTL_MODE_GETPLANE (`drm_mode_getplane`): formats all or nothing, like the connector's lists. */
export function getPlane(c: IoctlContext): void {
  const plane = c.dev.find<DrmPlane>(c.k.u32(P.plane_id), DRM_MODE_OBJECT_PLANE);
  c.k.setU32(P.crtc_id, plane.crtc?.id ?? 0);
  c.k.setU32(P.fb_id, plane.fb?.id ?? 0);
  c.k.setU32(P.plane_id, plane.id);
  c.k.setU32(P.possible_crtcs, 1);
  c.k.setU32(P.gamma_size, 0);
  const { formats } = plane;
  if (formats.length > 0 && c.k.u32(P.count_format_types) >= formats.length) {
    const bytes = new Uint8Array(formats.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < formats.length; i++) view.setUint32(i * 4, formats[i], true);
    copyToUser(c.mem, c.k.ptr(P.format_type_ptr), bytes);
  }
  c.k.setU32(P.count_format_types, formats.length);
}
