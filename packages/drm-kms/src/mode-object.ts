import { check } from '@fbemu/gem-shmem';
import {
  DRM_MODE_OBJECT_ANY,
  DRM_MODE_OBJECT_BLOB,
  DRM_MODE_OBJECT_PROPERTY,
  DRM_MODE_PROP_BITMASK,
  DRM_MODE_PROP_BLOB,
  DRM_MODE_PROP_ENUM,
  DRM_MODE_PROP_IMMUTABLE,
  DRM_MODE_PROP_RANGE,
} from './uapi.js';

/** `struct drm_mode_object`: an id from the device-wide IDR, a type, and maybe properties. */
export interface ModeObject {
  id: number;
  readonly type: number;
  /** attached properties; absent for objects that have none (encoders, framebuffers, blobs) */
  readonly properties?: ObjectProperties;
}

/**
 * `mode_config.object_idr`: one id space for every mode object, allocated lowest-free-first
 * from 1 (`idr_alloc(…, 1, 0)`), so ids of removed framebuffers are reused.
 */
export class ModeObjectIdr {
  private readonly slots: (ModeObject | undefined)[] = [undefined];

  add<T extends ModeObject>(obj: T): T {
    let id = 1;
    while (id < this.slots.length && this.slots[id] !== undefined) id++;
    this.slots[id] = obj;
    obj.id = id;
    return obj;
  }

  remove(obj: ModeObject): void {
    check(this.slots[obj.id] === obj, 'EINVAL', `mode object ${obj.id} is not registered`);
    this.slots[obj.id] = undefined;
    while (this.slots.length > 1 && this.slots[this.slots.length - 1] === undefined) this.slots.pop();
  }

  /** `__drm_mode_object_find`: by id, and by type unless `type` is DRM_MODE_OBJECT_ANY. */
  find(id: number, type: number): ModeObject | undefined {
    const obj = Number.isInteger(id) && id > 0 ? this.slots[id] : undefined;
    if (!obj || (type !== DRM_MODE_OBJECT_ANY && obj.type !== type)) return undefined;
    return obj;
  }
}

/** One entry of an enum or bitmask property (`struct drm_property_enum`). */
export interface PropertyEnum {
  readonly value: bigint;
  readonly name: string;
}

/** `struct drm_property`: name, flags, values (range bounds or enum values), enum names. */
export class DrmProperty implements ModeObject {
  readonly type = DRM_MODE_OBJECT_PROPERTY;
  id = 0;

  private constructor(
    readonly name: string,
    readonly flags: number,
    readonly values: readonly bigint[],
    readonly enums: readonly PropertyEnum[],
  ) {}

  static enumeration(name: string, entries: readonly [number, string][], flags = 0): DrmProperty {
    const enums = entries.map(([value, n]) => Object.freeze({ value: BigInt(value), name: n }));
    return new DrmProperty(
      name,
      DRM_MODE_PROP_ENUM | flags,
      enums.map((e) => e.value),
      enums,
    );
  }

  static range(name: string, min: bigint, max: bigint, flags = 0): DrmProperty {
    return new DrmProperty(name, DRM_MODE_PROP_RANGE | flags, [min, max], []);
  }

  static blob(name: string, flags = 0): DrmProperty {
    return new DrmProperty(name, DRM_MODE_PROP_BLOB | flags, [], []);
  }

  get isEnumLike(): boolean {
    return (this.flags & (DRM_MODE_PROP_ENUM | DRM_MODE_PROP_BITMASK)) !== 0;
  }

  get isBlob(): boolean {
    return (this.flags & DRM_MODE_PROP_BLOB) !== 0;
  }

  /** `drm_property_change_valid_get` for the kinds fbemu has: immutable never, ranges and enums by value. */
  acceptsValue(value: bigint): boolean {
    if (this.flags & DRM_MODE_PROP_IMMUTABLE) return false;
    if (this.flags & DRM_MODE_PROP_RANGE) return value >= this.values[0] && value <= this.values[1];
    if (this.flags & DRM_MODE_PROP_ENUM) return this.values.includes(value);
    return false;
  }
}

/** `struct drm_property_blob`: immutable bytes with an id (EDID, MODE_ID, IN_FORMATS…). */
export class DrmBlob implements ModeObject {
  readonly type = DRM_MODE_OBJECT_BLOB;
  id = 0;

  constructor(readonly data: Uint8Array) {}
}

/** A property attached to an object, with how to read (and maybe change) its value. */
export interface PropertyAttachment {
  readonly property: DrmProperty;
  get(): bigint;
  /** the legacy set_property hook; absent → the value cannot change */
  set?(value: bigint): void;
}

/** `struct drm_object_properties`: the properties of one object, in attach order. */
export class ObjectProperties {
  readonly entries: PropertyAttachment[] = [];

  attach(property: DrmProperty, get: () => bigint, set?: (value: bigint) => void): this {
    this.entries.push({ property, get, set });
    return this;
  }

  find(propId: number): PropertyAttachment | undefined {
    return this.entries.find((e) => e.property.id === propId);
  }
}
