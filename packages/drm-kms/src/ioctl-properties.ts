import { check } from '@fbemu/gem-shmem';
import type { IoctlContext } from './ioctl-context.js';
import { copyToUser, putU32, putU64 } from './kdata.js';
import { DrmBlob, DrmProperty, type ObjectProperties } from './mode-object.js';
import {
  DRM_MODE_OBJECT_BLOB,
  DRM_MODE_OBJECT_CONNECTOR,
  DRM_MODE_OBJECT_PROPERTY,
  DRM_MODE_PROP_ATOMIC,
  DRM_PROP_NAME_LEN,
  STRUCTS,
} from './uapi.js';

/**
 * `drm_mode_object_get_properties`: ids and values are written pair by pair while they fit the
 * user's count (atomic-only properties are hidden: this driver never grants the atomic cap); the
 * real count is always written back.
 */
export function writeObjectProperties(
  c: IoctlContext,
  props: ObjectProperties,
  idsOff: number,
  valuesOff: number,
  countOff: number,
): void {
  const room = c.k.u32(countOff);
  const ids = c.k.ptr(idsOff);
  const values = c.k.ptr(valuesOff);
  let count = 0;
  for (const entry of props.entries) {
    if (entry.property.flags & DRM_MODE_PROP_ATOMIC) continue;
    if (room > count) {
      putU32(c.mem, ids, count, entry.property.id);
      putU64(c.mem, values, count, entry.get());
    }
    count++;
  }
  c.k.setU32(countOff, count);
}

const OP = STRUCTS.drm_mode_obj_get_properties.fields;

/** DRM_IOCTL_MODE_OBJ_GETPROPERTIES: ENOENT for an unknown id or wrong type, EINVAL for an object without properties. */
export function objGetProperties(c: IoctlContext): void {
  const obj = c.dev.config.idr.find(c.k.u32(OP.obj_id), c.k.u32(OP.obj_type));
  check(obj !== undefined, 'ENOENT', `no object ${c.k.u32(OP.obj_id)} of that type`);
  check(obj.properties !== undefined, 'EINVAL', `object ${obj.id} has no properties`);
  writeObjectProperties(c, obj.properties, OP.props_ptr, OP.prop_values_ptr, OP.count_props);
}

const GP = STRUCTS.drm_mode_get_property.fields;
const ENUM = STRUCTS.drm_mode_property_enum;

/**
 * DRM_IOCTL_MODE_GETPROPERTY (`drm_mode_getproperty_ioctl`): name and flags; values copied while
 * they fit; enum entries copied while they fit (count written back for enums and bitmasks); blob
 * properties report 0 enum blobs; a range property leaves count_enum_blobs as the user passed it.
 */
export function getProperty(c: IoctlContext): void {
  const prop = c.dev.config.idr.find(c.k.u32(GP.prop_id), DRM_MODE_OBJECT_PROPERTY);
  check(prop instanceof DrmProperty, 'ENOENT', `no property ${c.k.u32(GP.prop_id)}`);
  c.k.setString(GP.name, DRM_PROP_NAME_LEN, prop.name);
  c.k.setU32(GP.flags, prop.flags);
  const room = c.k.u32(GP.count_values);
  const values = c.k.ptr(GP.values_ptr);
  prop.values.forEach((v, i) => {
    if (i < room) putU64(c.mem, values, i, v);
  });
  c.k.setU32(GP.count_values, prop.values.length);
  if (prop.isEnumLike) {
    const enumRoom = c.k.u32(GP.count_enum_blobs);
    const ptr = c.k.ptr(GP.enum_blob_ptr);
    prop.enums.forEach((e, i) => {
      if (i >= enumRoom) return;
      const rec = new Uint8Array(ENUM.sizeof);
      new DataView(rec.buffer).setBigUint64(ENUM.fields.value, e.value, true);
      rec.set(new TextEncoder().encode(e.name).subarray(0, DRM_PROP_NAME_LEN - 1), ENUM.fields.name);
      copyToUser(c.mem, ptr + i * ENUM.sizeof, rec);
    });
    c.k.setU32(GP.count_enum_blobs, prop.enums.length);
  }
  if (prop.isBlob) c.k.setU32(GP.count_enum_blobs, 0);
}

const B = STRUCTS.drm_mode_get_blob.fields;

/** DRM_IOCTL_MODE_GETPROPBLOB: the data only when the user's length equals the blob's; length always written. */
export function getPropBlob(c: IoctlContext): void {
  const blob = c.dev.config.idr.find(c.k.u32(B.blob_id), DRM_MODE_OBJECT_BLOB);
  check(blob instanceof DrmBlob, 'ENOENT', `no blob ${c.k.u32(B.blob_id)}`);
  if (c.k.u32(B.length) === blob.data.length) copyToUser(c.mem, c.k.ptr(B.data), blob.data);
  c.k.setU32(B.length, blob.data.length);
}

/**
 * Legacy property set (`set_property_legacy`): the property must be attached to the object and
 * accept the value (immutable ones never do) → else EINVAL; only DPMS actually changes.
 */
function setObjectProperty(
  c: IoctlContext,
  objId: number,
  objType: number,
  propId: number,
  value: bigint,
): void {
  const obj = c.dev.config.idr.find(objId, objType);
  check(obj !== undefined, 'ENOENT', `no object ${objId} of that type`);
  check(obj.properties !== undefined, 'EINVAL', `object ${objId} has no properties`);
  const entry = obj.properties.find(propId);
  check(entry !== undefined, 'EINVAL', `property ${propId} is not attached to object ${objId}`);
  check(
    entry.property.acceptsValue(value) && entry.set !== undefined,
    'EINVAL',
    `cannot set ${entry.property.name}=${value}`,
  );
  entry.set(value);
}

const SP = STRUCTS.drm_mode_obj_set_property.fields;

/** DRM_IOCTL_MODE_OBJ_SETPROPERTY */
export function objSetProperty(c: IoctlContext): void {
  setObjectProperty(c, c.k.u32(SP.obj_id), c.k.u32(SP.obj_type), c.k.u32(SP.prop_id), c.k.u64(SP.value));
}

const CSP = STRUCTS.drm_mode_connector_set_property.fields;

/** DRM_IOCTL_MODE_SETPROPERTY: the connector-only form of OBJ_SETPROPERTY. */
export function connectorSetProperty(c: IoctlContext): void {
  setObjectProperty(
    c,
    c.k.u32(CSP.connector_id),
    DRM_MODE_OBJECT_CONNECTOR,
    c.k.u32(CSP.prop_id),
    c.k.u64(CSP.value),
  );
}
