/**
 * The DRM uapi as x86-64 user space sees it (`include/uapi/drm/drm.h`, `drm_mode.h`): ioctl
 * request numbers, struct layouts (byte offsets, checked against the C headers by
 * `uapi.test.ts`), and the constants fbemu's driver answers with.
 */

/** One C struct: its size and the byte offset of each field. */
export interface StructLayout<K extends string = string> {
  readonly sizeof: number;
  readonly fields: Readonly<Record<K, number>>;
}

function layout<K extends string>(sizeof: number, fields: Record<K, number>): StructLayout<K> {
  return Object.freeze({ sizeof, fields: Object.freeze(fields) });
}

export const STRUCTS = {
  drm_version: layout(64, {
    version_major: 0,
    version_minor: 4,
    version_patchlevel: 8,
    name_len: 16,
    name: 24,
    date_len: 32,
    date: 40,
    desc_len: 48,
    desc: 56,
  }),
  drm_get_cap: layout(16, { capability: 0, value: 8 }),
  drm_set_client_cap: layout(16, { capability: 0, value: 8 }),
  drm_gem_close: layout(8, { handle: 0, pad: 4 }),
  drm_mode_card_res: layout(64, {
    fb_id_ptr: 0,
    crtc_id_ptr: 8,
    connector_id_ptr: 16,
    encoder_id_ptr: 24,
    count_fbs: 32,
    count_crtcs: 36,
    count_connectors: 40,
    count_encoders: 44,
    min_width: 48,
    max_width: 52,
    min_height: 56,
    max_height: 60,
  }),
  drm_mode_modeinfo: layout(68, {
    clock: 0,
    hdisplay: 4,
    hsync_start: 6,
    hsync_end: 8,
    htotal: 10,
    hskew: 12,
    vdisplay: 14,
    vsync_start: 16,
    vsync_end: 18,
    vtotal: 20,
    vscan: 22,
    vrefresh: 24,
    flags: 28,
    type: 32,
    name: 36,
  }),
  drm_mode_get_connector: layout(80, {
    encoders_ptr: 0,
    modes_ptr: 8,
    props_ptr: 16,
    prop_values_ptr: 24,
    count_modes: 32,
    count_props: 36,
    count_encoders: 40,
    encoder_id: 44,
    connector_id: 48,
    connector_type: 52,
    connector_type_id: 56,
    connection: 60,
    mm_width: 64,
    mm_height: 68,
    subpixel: 72,
    pad: 76,
  }),
  drm_mode_get_encoder: layout(20, {
    encoder_id: 0,
    encoder_type: 4,
    crtc_id: 8,
    possible_crtcs: 12,
    possible_clones: 16,
  }),
  drm_mode_crtc: layout(104, {
    set_connectors_ptr: 0,
    count_connectors: 8,
    crtc_id: 12,
    fb_id: 16,
    x: 20,
    y: 24,
    gamma_size: 28,
    mode_valid: 32,
    mode: 36,
  }),
  drm_mode_get_plane_res: layout(16, { plane_id_ptr: 0, count_planes: 8 }),
  drm_mode_get_plane: layout(32, {
    plane_id: 0,
    crtc_id: 4,
    fb_id: 8,
    possible_crtcs: 12,
    gamma_size: 16,
    count_format_types: 20,
    format_type_ptr: 24,
  }),
  drm_mode_obj_get_properties: layout(32, {
    props_ptr: 0,
    prop_values_ptr: 8,
    count_props: 16,
    obj_id: 20,
    obj_type: 24,
  }),
  drm_mode_obj_set_property: layout(24, { value: 0, prop_id: 8, obj_id: 12, obj_type: 16 }),
  drm_mode_connector_set_property: layout(16, { value: 0, prop_id: 8, connector_id: 12 }),
  drm_mode_get_property: layout(64, {
    values_ptr: 0,
    enum_blob_ptr: 8,
    prop_id: 16,
    flags: 20,
    name: 24,
    count_values: 56,
    count_enum_blobs: 60,
  }),
  drm_mode_property_enum: layout(40, { value: 0, name: 8 }),
  drm_mode_get_blob: layout(16, { blob_id: 0, length: 4, data: 8 }),
  drm_mode_create_blob: layout(16, { data: 0, length: 8, blob_id: 12 }),
  drm_mode_destroy_blob: layout(4, { blob_id: 0 }),
  drm_mode_create_dumb: layout(32, {
    height: 0,
    width: 4,
    bpp: 8,
    flags: 12,
    handle: 16,
    pitch: 20,
    size: 24,
  }),
  drm_mode_map_dumb: layout(16, { handle: 0, pad: 4, offset: 8 }),
  drm_mode_destroy_dumb: layout(4, { handle: 0 }),
  drm_mode_fb_cmd: layout(28, { fb_id: 0, width: 4, height: 8, pitch: 12, bpp: 16, depth: 20, handle: 24 }),
  drm_mode_fb_cmd2: layout(104, {
    fb_id: 0,
    width: 4,
    height: 8,
    pixel_format: 12,
    flags: 16,
    handles: 20,
    pitches: 36,
    offsets: 52,
    modifier: 72,
  }),
  drm_mode_fb_dirty_cmd: layout(24, { fb_id: 0, flags: 4, color: 8, num_clips: 12, clips_ptr: 16 }),
  drm_clip_rect: layout(8, { x1: 0, y1: 2, x2: 4, y2: 6 }),
  drm_mode_crtc_page_flip_target: layout(24, { crtc_id: 0, fb_id: 4, flags: 8, sequence: 12, user_data: 16 }),
  drm_mode_cursor: layout(28, { flags: 0, crtc_id: 4, x: 8, y: 12, width: 16, height: 20, handle: 24 }),
  drm_mode_cursor2: layout(36, {
    flags: 0,
    crtc_id: 4,
    x: 8,
    y: 12,
    width: 16,
    height: 20,
    handle: 24,
    hot_x: 28,
    hot_y: 32,
  }),
  drm_mode_crtc_lut: layout(32, { crtc_id: 0, gamma_size: 4, red: 8, green: 16, blue: 24 }),
  drm_event: layout(8, { type: 0, length: 4 }),
  drm_event_vblank: layout(32, { base: 0, user_data: 8, tv_sec: 16, tv_usec: 20, sequence: 24, crtc_id: 28 }),
} as const;

export type StructName = keyof typeof STRUCTS;

// --- ioctl request numbers (asm-generic/ioctl.h) ---

/** _IOC_WRITE: user → kernel (the kernel's IOC_IN) */
export const IOC_WRITE = 1;
/** _IOC_READ: kernel → user (the kernel's IOC_OUT) */
export const IOC_READ = 2;
/** DRM_IOCTL_BASE, the ioctl "type" byte 'd' */
export const DRM_IOCTL_BASE = 0x64;
/** driver-private ioctls live in [DRM_COMMAND_BASE, DRM_COMMAND_END) */
export const DRM_COMMAND_BASE = 0x40;
export const DRM_COMMAND_END = 0xa0;

/** _IOC(dir, 'd', nr, size) as an unsigned 32-bit number */
export function drmIoc(dir: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (DRM_IOCTL_BASE << 8) | nr) >>> 0;
}
export const iocNr = (cmd: number): number => cmd & 0xff;
export const iocType = (cmd: number): number => (cmd >>> 8) & 0xff;
export const iocSize = (cmd: number): number => (cmd >>> 16) & 0x3fff;
export const iocDir = (cmd: number): number => cmd >>> 30;

const RW = IOC_READ | IOC_WRITE;

/** The DRM ioctls fbemu serves: [direction, nr, argument struct (or its size)]. */
export const IOCTLS = {
  DRM_IOCTL_VERSION: drmIoc(RW, 0x00, STRUCTS.drm_version.sizeof),
  DRM_IOCTL_GET_CAP: drmIoc(RW, 0x0c, STRUCTS.drm_get_cap.sizeof),
  DRM_IOCTL_SET_CLIENT_CAP: drmIoc(IOC_WRITE, 0x0d, STRUCTS.drm_set_client_cap.sizeof),
  DRM_IOCTL_SET_MASTER: drmIoc(0, 0x1e, 0),
  DRM_IOCTL_DROP_MASTER: drmIoc(0, 0x1f, 0),
  DRM_IOCTL_GEM_CLOSE: drmIoc(IOC_WRITE, 0x09, STRUCTS.drm_gem_close.sizeof),
  DRM_IOCTL_MODE_GETRESOURCES: drmIoc(RW, 0xa0, STRUCTS.drm_mode_card_res.sizeof),
  DRM_IOCTL_MODE_GETCRTC: drmIoc(RW, 0xa1, STRUCTS.drm_mode_crtc.sizeof),
  DRM_IOCTL_MODE_SETCRTC: drmIoc(RW, 0xa2, STRUCTS.drm_mode_crtc.sizeof),
  DRM_IOCTL_MODE_CURSOR: drmIoc(RW, 0xa3, STRUCTS.drm_mode_cursor.sizeof),
  DRM_IOCTL_MODE_GETGAMMA: drmIoc(RW, 0xa4, STRUCTS.drm_mode_crtc_lut.sizeof),
  DRM_IOCTL_MODE_SETGAMMA: drmIoc(RW, 0xa5, STRUCTS.drm_mode_crtc_lut.sizeof),
  DRM_IOCTL_MODE_GETENCODER: drmIoc(RW, 0xa6, STRUCTS.drm_mode_get_encoder.sizeof),
  DRM_IOCTL_MODE_GETCONNECTOR: drmIoc(RW, 0xa7, STRUCTS.drm_mode_get_connector.sizeof),
  DRM_IOCTL_MODE_GETPROPERTY: drmIoc(RW, 0xaa, STRUCTS.drm_mode_get_property.sizeof),
  DRM_IOCTL_MODE_SETPROPERTY: drmIoc(RW, 0xab, STRUCTS.drm_mode_connector_set_property.sizeof),
  DRM_IOCTL_MODE_GETPROPBLOB: drmIoc(RW, 0xac, STRUCTS.drm_mode_get_blob.sizeof),
  DRM_IOCTL_MODE_GETFB: drmIoc(RW, 0xad, STRUCTS.drm_mode_fb_cmd.sizeof),
  DRM_IOCTL_MODE_ADDFB: drmIoc(RW, 0xae, STRUCTS.drm_mode_fb_cmd.sizeof),
  DRM_IOCTL_MODE_RMFB: drmIoc(RW, 0xaf, 4),
  DRM_IOCTL_MODE_PAGE_FLIP: drmIoc(RW, 0xb0, STRUCTS.drm_mode_crtc_page_flip_target.sizeof),
  DRM_IOCTL_MODE_DIRTYFB: drmIoc(RW, 0xb1, STRUCTS.drm_mode_fb_dirty_cmd.sizeof),
  DRM_IOCTL_MODE_CREATE_DUMB: drmIoc(RW, 0xb2, STRUCTS.drm_mode_create_dumb.sizeof),
  DRM_IOCTL_MODE_MAP_DUMB: drmIoc(RW, 0xb3, STRUCTS.drm_mode_map_dumb.sizeof),
  DRM_IOCTL_MODE_DESTROY_DUMB: drmIoc(RW, 0xb4, STRUCTS.drm_mode_destroy_dumb.sizeof),
  DRM_IOCTL_MODE_GETPLANERESOURCES: drmIoc(RW, 0xb5, STRUCTS.drm_mode_get_plane_res.sizeof),
  DRM_IOCTL_MODE_GETPLANE: drmIoc(RW, 0xb6, STRUCTS.drm_mode_get_plane.sizeof),
  DRM_IOCTL_MODE_ADDFB2: drmIoc(RW, 0xb8, STRUCTS.drm_mode_fb_cmd2.sizeof),
  DRM_IOCTL_MODE_OBJ_GETPROPERTIES: drmIoc(RW, 0xb9, STRUCTS.drm_mode_obj_get_properties.sizeof),
  DRM_IOCTL_MODE_OBJ_SETPROPERTY: drmIoc(RW, 0xba, STRUCTS.drm_mode_obj_set_property.sizeof),
  DRM_IOCTL_MODE_CURSOR2: drmIoc(RW, 0xbb, STRUCTS.drm_mode_cursor2.sizeof),
  DRM_IOCTL_MODE_ATOMIC: drmIoc(RW, 0xbc, 56),
  DRM_IOCTL_MODE_CREATEPROPBLOB: drmIoc(RW, 0xbd, STRUCTS.drm_mode_create_blob.sizeof),
  DRM_IOCTL_MODE_DESTROYPROPBLOB: drmIoc(RW, 0xbe, STRUCTS.drm_mode_destroy_blob.sizeof),
  DRM_IOCTL_MODE_GETFB2: drmIoc(RW, 0xce, STRUCTS.drm_mode_fb_cmd2.sizeof),
} as const;

// --- capabilities ---

export const DRM_CAP_DUMB_BUFFER = 0x1;
export const DRM_CAP_VBLANK_HIGH_CRTC = 0x2;
export const DRM_CAP_DUMB_PREFERRED_DEPTH = 0x3;
export const DRM_CAP_DUMB_PREFER_SHADOW = 0x4;
export const DRM_CAP_PRIME = 0x5;
export const DRM_CAP_TIMESTAMP_MONOTONIC = 0x6;
export const DRM_CAP_ASYNC_PAGE_FLIP = 0x7;
export const DRM_CAP_CURSOR_WIDTH = 0x8;
export const DRM_CAP_CURSOR_HEIGHT = 0x9;
export const DRM_CAP_ADDFB2_MODIFIERS = 0x10;
export const DRM_CAP_PAGE_FLIP_TARGET = 0x11;
export const DRM_CAP_CRTC_IN_VBLANK_EVENT = 0x12;
export const DRM_CAP_SYNCOBJ = 0x13;
export const DRM_CAP_SYNCOBJ_TIMELINE = 0x14;
export const DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP = 0x15;

export const DRM_CLIENT_CAP_STEREO_3D = 1;
export const DRM_CLIENT_CAP_UNIVERSAL_PLANES = 2;
export const DRM_CLIENT_CAP_ATOMIC = 3;
export const DRM_CLIENT_CAP_ASPECT_RATIO = 4;
export const DRM_CLIENT_CAP_WRITEBACK_CONNECTORS = 5;
export const DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT = 6;

// --- mode objects ---

export const DRM_MODE_OBJECT_ANY = 0;
export const DRM_MODE_OBJECT_CRTC = 0xcccccccc;
export const DRM_MODE_OBJECT_CONNECTOR = 0xc0c0c0c0;
export const DRM_MODE_OBJECT_ENCODER = 0xe0e0e0e0;
export const DRM_MODE_OBJECT_MODE = 0xdededede;
export const DRM_MODE_OBJECT_PROPERTY = 0xb0b0b0b0;
export const DRM_MODE_OBJECT_FB = 0xfbfbfbfb;
export const DRM_MODE_OBJECT_BLOB = 0xbbbbbbbb;
export const DRM_MODE_OBJECT_PLANE = 0xeeeeeeee;

export const DRM_MODE_CONNECTOR_VIRTUAL = 15;
export const DRM_MODE_ENCODER_VIRTUAL = 5;
export const DRM_MODE_CONNECTED = 1;
/** enum subpixel_order: SubPixelUnknown */
export const DRM_MODE_SUBPIXEL_UNKNOWN = 0;

export const DRM_PLANE_TYPE_OVERLAY = 0;
export const DRM_PLANE_TYPE_PRIMARY = 1;
export const DRM_PLANE_TYPE_CURSOR = 2;

export const DRM_MODE_TYPE_PREFERRED = 1 << 3;
export const DRM_MODE_TYPE_USERDEF = 1 << 5;
export const DRM_MODE_TYPE_DRIVER = 1 << 6;
/** DRM_MODE_TYPE_ALL: the type bits user space may pass */
export const DRM_MODE_TYPE_ALL = DRM_MODE_TYPE_PREFERRED | DRM_MODE_TYPE_USERDEF | DRM_MODE_TYPE_DRIVER;
export const DRM_MODE_FLAG_PHSYNC = 1 << 0;
export const DRM_MODE_FLAG_NVSYNC = 1 << 3;
/** DRM_MODE_FLAG_PIC_AR_MASK (bits 19–22) */
export const DRM_MODE_FLAG_PIC_AR_MASK = 0x0f << 19;
/** DRM_MODE_FLAG_3D_MASK (bits 14–18) and DRM_MODE_FLAG_3D_MAX */
export const DRM_MODE_FLAG_3D_MASK = 0x1f << 14;
export const DRM_MODE_FLAG_3D_MAX = 8 << 14;
/** DRM_MODE_FLAG_ALL: bits 0–13 without the obsolete BCAST (10) and PIXMUX (11), plus the 3D field */
export const DRM_MODE_FLAG_ALL = (0x3fff & ~0xc00) | DRM_MODE_FLAG_3D_MASK;

export const DRM_MODE_PROP_PENDING = 1 << 0;
export const DRM_MODE_PROP_RANGE = 1 << 1;
export const DRM_MODE_PROP_IMMUTABLE = 1 << 2;
export const DRM_MODE_PROP_ENUM = 1 << 3;
export const DRM_MODE_PROP_BLOB = 1 << 4;
export const DRM_MODE_PROP_BITMASK = 1 << 5;
export const DRM_MODE_PROP_ATOMIC = 0x80000000;
export const DRM_PROP_NAME_LEN = 32;
export const DRM_DISPLAY_MODE_LEN = 32;

export const DRM_MODE_DPMS_ON = 0;
export const DRM_MODE_DPMS_STANDBY = 1;
export const DRM_MODE_DPMS_SUSPEND = 2;
export const DRM_MODE_DPMS_OFF = 3;

// --- framebuffers ---

export const DRM_MODE_FB_INTERLACED = 1 << 0;
export const DRM_MODE_FB_MODIFIERS = 1 << 1;
export const DRM_MODE_FB_DIRTY_ANNOTATE_COPY = 0x01;
export const DRM_MODE_FB_DIRTY_ANNOTATE_FILL = 0x02;
export const DRM_MODE_FB_DIRTY_FLAGS = 0x03;
export const DRM_MODE_FB_DIRTY_MAX_CLIPS = 256;

// --- page flips, cursor, events ---

export const DRM_MODE_PAGE_FLIP_EVENT = 0x01;
export const DRM_MODE_PAGE_FLIP_ASYNC = 0x02;
export const DRM_MODE_PAGE_FLIP_TARGET_ABSOLUTE = 0x4;
export const DRM_MODE_PAGE_FLIP_TARGET_RELATIVE = 0x8;
export const DRM_MODE_PAGE_FLIP_TARGET = 0xc;
export const DRM_MODE_PAGE_FLIP_FLAGS = 0xf;
export const DRM_MODE_CURSOR_BO = 0x01;
export const DRM_MODE_CURSOR_MOVE = 0x02;
export const DRM_MODE_CURSOR_FLAGS = 0x03;
export const DRM_EVENT_VBLANK = 0x01;
export const DRM_EVENT_FLIP_COMPLETE = 0x02;

/** fourcc_code(a, b, c, d) */
export function fourcc(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}
