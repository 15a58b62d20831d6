import { check } from '@fbemu/gem-shmem';
import { type DisplayMode, outputMode } from './display-mode.js';
import type { DrmFramebuffer } from './framebuffer.js';
import { PLANE_FORMATS } from './framebuffer.js';
import { DrmBlob, DrmProperty, type ModeObject, ModeObjectIdr, ObjectProperties } from './mode-object.js';
import {
  DRM_MODE_CONNECTED,
  DRM_MODE_CONNECTOR_VIRTUAL,
  DRM_MODE_DPMS_OFF,
  DRM_MODE_DPMS_ON,
  DRM_MODE_DPMS_STANDBY,
  DRM_MODE_DPMS_SUSPEND,
  DRM_MODE_ENCODER_VIRTUAL,
  DRM_MODE_OBJECT_CONNECTOR,
  DRM_MODE_OBJECT_CRTC,
  DRM_MODE_OBJECT_ENCODER,
  DRM_MODE_OBJECT_PLANE,
  DRM_MODE_PROP_IMMUTABLE,
  DRM_MODE_SUBPIXEL_UNKNOWN,
  DRM_PLANE_TYPE_CURSOR,
  DRM_PLANE_TYPE_OVERLAY,
  DRM_PLANE_TYPE_PRIMARY,
} from './uapi.js';

/** What the device looks like: one virtual output. */
export interface KmsOutputOptions {
  /** the output size: the connector's preferred mode (default 1024×768) */
  width?: number;
  height?: number;
  /** refresh rate of the modes in Hz (default 60) */
  refresh?: number;
  /** more modes the connector lists after the preferred one, e.g. [[800, 600], [640, 480]] */
  extraModes?: readonly (readonly [number, number])[];
  /** physical size in mm (default: 96 dpi from the output size) */
  mmWidth?: number;
  mmHeight?: number;
  /** an EDID blob for the connector's "EDID" property (absent: the property is 0) */
  edid?: Uint8Array;
  /** largest framebuffer and mode (mode_config.max_width/height, default 8192) */
  maxWidth?: number;
  maxHeight?: number;
}

/** `struct drm_plane` (legacy: the current crtc and fb live on the plane). */
export class DrmPlane implements ModeObject {
  readonly type = DRM_MODE_OBJECT_PLANE;
  id = 0;
  readonly properties = new ObjectProperties();
  readonly formats: readonly number[] = PLANE_FORMATS.map((f) => f.code);
  crtc: DrmCrtc | undefined;
  fb: DrmFramebuffer | undefined;

  constructor(readonly planeType: number) {}
}

/** `struct drm_crtc` (legacy state: enabled, mode, x/y of the viewport in the fb). */
export class DrmCrtc implements ModeObject {
  readonly type = DRM_MODE_OBJECT_CRTC;
  id = 0;
  /** no legacy gamma table */
  readonly gammaSize = 0;
  readonly properties = new ObjectProperties();
  enabled = false;
  mode: DisplayMode | undefined;
  x = 0;
  y = 0;

  constructor(readonly primary: DrmPlane) {}
}

/** `struct drm_encoder`: a virtual encoder, always routed from the one CRTC. */
export class DrmEncoder implements ModeObject {
  readonly type = DRM_MODE_OBJECT_ENCODER;
  id = 0;
  readonly encoderType = DRM_MODE_ENCODER_VIRTUAL;
  readonly possibleCrtcs = 1;
  readonly possibleClones = 0;
  crtc: DrmCrtc | undefined;
}

/** `struct drm_connector`: a virtual output, always connected, with its modes. */
export class DrmConnector implements ModeObject {
  readonly type = DRM_MODE_OBJECT_CONNECTOR;
  id = 0;
  readonly properties = new ObjectProperties();
  readonly connectorType = DRM_MODE_CONNECTOR_VIRTUAL;
  readonly connectorTypeId = 1;
  readonly status = DRM_MODE_CONNECTED;
  readonly subpixel = DRM_MODE_SUBPIXEL_UNKNOWN;
  dpms = DRM_MODE_DPMS_ON;

  constructor(
    readonly modes: readonly DisplayMode[],
    readonly mmWidth: number,
    readonly mmHeight: number,
    readonly encoder: DrmEncoder,
  ) {}
}

/**
 * `struct drm_mode_config` of fbemu's virtual device: the object IDR, the standard properties,
 * one primary plane, one CRTC, one encoder and one connector. Ids are assigned at construction
 * in a fixed order (properties, plane, CRTC, encoder, connector, blobs), so they are stable for
 * the life of the device; framebuffers take the lowest free ids after them.
 */
export class KmsModeConfig {
  readonly idr = new ModeObjectIdr();
  /** bytes held by the files' CREATEPROPBLOB blobs together (bounded by `MAX_USER_BLOB`) */
  userBlobBytes = 0;
  readonly minWidth = 1;
  readonly minHeight = 1;
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly dpmsProperty = DrmProperty.enumeration('DPMS', [
    [DRM_MODE_DPMS_ON, 'On'],
    [DRM_MODE_DPMS_STANDBY, 'Standby'],
    [DRM_MODE_DPMS_SUSPEND, 'Suspend'],
    [DRM_MODE_DPMS_OFF, 'Off'],
  ]);
  readonly edidProperty = DrmProperty.blob('EDID', DRM_MODE_PROP_IMMUTABLE);
  readonly linkStatusProperty = DrmProperty.enumeration(
    'link-status',
    [
      [0, 'Good'],
      [1, 'Bad'],
    ],
    0,
  );
  readonly nonDesktopProperty = DrmProperty.range('non-desktop', 0n, 1n, DRM_MODE_PROP_IMMUTABLE);
  readonly planeTypeProperty = DrmProperty.enumeration(
    'type',
    [
      [DRM_PLANE_TYPE_OVERLAY, 'Overlay'],
      [DRM_PLANE_TYPE_PRIMARY, 'Primary'],
      [DRM_PLANE_TYPE_CURSOR, 'Cursor'],
    ],
    DRM_MODE_PROP_IMMUTABLE,
  );
  readonly primary: DrmPlane;
  readonly crtc: DrmCrtc;
  readonly encoder: DrmEncoder;
  readonly connector: DrmConnector;
  readonly edid: DrmBlob | undefined;

  constructor(options: KmsOutputOptions = {}) {
    const width = options.width ?? 1024;
    const height = options.height ?? 768;
    this.maxWidth = options.maxWidth ?? 8192;
    this.maxHeight = options.maxHeight ?? 8192;
    check(
      Number.isSafeInteger(this.maxWidth) && Number.isSafeInteger(this.maxHeight),
      'EINVAL',
      'max size must be integers',
    );
    const modes = [outputMode(width, height, options.refresh)];
    for (const [w, h] of options.extraModes ?? []) modes.push(outputMode(w, h, options.refresh, false));
    for (const m of modes)
      check(
        m.hdisplay <= this.maxWidth && m.vdisplay <= this.maxHeight,
        'EINVAL',
        `mode ${m.name} too large`,
      );
    for (const p of [
      this.dpmsProperty,
      this.edidProperty,
      this.linkStatusProperty,
      this.nonDesktopProperty,
      this.planeTypeProperty,
    ])
      this.idr.add(p);
    this.primary = this.idr.add(new DrmPlane(DRM_PLANE_TYPE_PRIMARY));
    this.crtc = this.idr.add(new DrmCrtc(this.primary));
    this.encoder = this.idr.add(new DrmEncoder());
    const mm = (px: number, given?: number) => given ?? Math.round((px * 25.4) / 96);
    this.connector = this.idr.add(
      new DrmConnector(modes, mm(width, options.mmWidth), mm(height, options.mmHeight), this.encoder),
    );
    this.edid = options.edid ? this.idr.add(new DrmBlob(options.edid.slice())) : undefined;
    this.attachProperties();
  }

  private attachProperties(): void {
    const { connector, primary } = this;
    const edidId = BigInt(this.edid?.id ?? 0);
    connector.properties
      .attach(this.edidProperty, () => edidId)
      .attach(
        this.dpmsProperty,
        () => BigInt(connector.dpms),
        (v) => {
          connector.dpms = Number(v);
        },
      )
      .attach(this.linkStatusProperty, () => 0n)
      .attach(this.nonDesktopProperty, () => 0n);
    primary.properties.attach(this.planeTypeProperty, () => BigInt(primary.planeType));
  }

  get crtcs(): readonly DrmCrtc[] {
    return [this.crtc];
  }
  get planes(): readonly DrmPlane[] {
    return [this.primary];
  }
  get encoders(): readonly DrmEncoder[] {
    return [this.encoder];
  }
  get connectors(): readonly DrmConnector[] {
    return [this.connector];
  }
}
