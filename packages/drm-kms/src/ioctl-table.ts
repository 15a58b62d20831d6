import * as blobs from './ioctl-blobs.js';
import * as buffers from './ioctl-buffers.js';
import type { IoctlDesc, IoctlHandler } from './ioctl-context.js';
import * as core from './ioctl-core.js';
import * as modeset from './ioctl-modeset.js';
import * as properties from './ioctl-properties.js';
import * as resources from './ioctl-resources.js';
import { IOCTLS, iocNr } from './uapi.js';

type IoctlName = keyof typeof IOCTLS;

const entries: [IoctlName, IoctlHandler, boolean][] = [
  ['DRM_IOCTL_VERSION', core.version, false],
  ['DRM_IOCTL_GET_CAP', core.getCap, false],
  ['DRM_IOCTL_SET_CLIENT_CAP', core.setClientCap, false],
  ['DRM_IOCTL_SET_MASTER', core.setMaster, false],
  ['DRM_IOCTL_DROP_MASTER', core.dropMaster, false],
  ['DRM_IOCTL_GEM_CLOSE', core.gemClose, false],
  ['DRM_IOCTL_MODE_GETRESOURCES', resources.getResources, false],
  ['DRM_IOCTL_MODE_GETCRTC', resources.getCrtc, false],
  ['DRM_IOCTL_MODE_SETCRTC', modeset.setCrtc, true],
  ['DRM_IOCTL_MODE_CURSOR', modeset.cursor, true],
  ['DRM_IOCTL_MODE_GETGAMMA', modeset.getGamma, false],
  ['DRM_IOCTL_MODE_SETGAMMA', modeset.setGamma, true],
  ['DRM_IOCTL_MODE_GETENCODER', resources.getEncoder, false],
  ['DRM_IOCTL_MODE_GETCONNECTOR', resources.getConnector, false],
  ['DRM_IOCTL_MODE_GETPROPERTY', properties.getProperty, false],
  ['DRM_IOCTL_MODE_SETPROPERTY', properties.connectorSetProperty, true],
  ['DRM_IOCTL_MODE_GETPROPBLOB', properties.getPropBlob, false],
  ['DRM_IOCTL_MODE_GETFB', buffers.getFb, false],
  ['DRM_IOCTL_MODE_ADDFB', buffers.addFb, false],
  ['DRM_IOCTL_MODE_RMFB', buffers.rmFb, false],
  ['DRM_IOCTL_MODE_PAGE_FLIP', modeset.pageFlip, true],
  ['DRM_IOCTL_MODE_DIRTYFB', buffers.dirtyFb, true],
  ['DRM_IOCTL_MODE_CREATE_DUMB', buffers.createDumb, false],
  ['DRM_IOCTL_MODE_MAP_DUMB', buffers.mapDumb, false],
  ['DRM_IOCTL_MODE_DESTROY_DUMB', buffers.destroyDumb, false],
  ['DRM_IOCTL_MODE_GETPLANERESOURCES', resources.getPlaneResources, false],
  ['DRM_IOCTL_MODE_GETPLANE', resources.getPlane, false],
  ['DRM_IOCTL_MODE_ADDFB2', buffers.addFb2, false],
  ['DRM_IOCTL_MODE_OBJ_GETPROPERTIES', properties.objGetProperties, false],
  ['DRM_IOCTL_MODE_OBJ_SETPROPERTY', properties.objSetProperty, true],
  ['DRM_IOCTL_MODE_CURSOR2', modeset.cursor, true],
  ['DRM_IOCTL_MODE_ATOMIC', core.atomic, true],
  ['DRM_IOCTL_MODE_CREATEPROPBLOB', blobs.createPropBlob, false],
  ['DRM_IOCTL_MODE_DESTROYPROPBLOB', blobs.destroyPropBlob, false],
  ['DRM_IOCTL_MODE_GETFB2', buffers.getFb2, false],
];

/**
 * The core ioctl table (`drm_ioctls[]`), indexed by ioctl nr. Numbers fbemu does not serve
 * (legacy, PRIME, syncobj, leases, GEM flink, SETPLANE, WAIT_VBLANK…) have no
 * entry and answer EINVAL, as the kernel's dispatcher does for a nr without a function.
 */
export const IOCTL_TABLE: ReadonlyMap<number, IoctlDesc> = new Map(
  entries.map(([name, fn, master]) => [
    iocNr(IOCTLS[name]),
    Object.freeze({ name, cmd: IOCTLS[name], master, fn }),
  ]),
);
