import type { CharDevice } from '@fbemu/chrdev';
import type { FbmemDevice, FbmemIdentity } from './fb-device.js';
import type { FbmemBackend, FbmemModeOptions } from './framebuffer.js';

/** Options of one /dev/fbN: its mode and what it reports about itself. */
export type FbmemOptions = FbmemModeOptions & FbmemIdentity;

/** Options of a /dev/fbN over a framebuffer built elsewhere: identity and tracking. */
export type FbmemRegisterOptions = FbmemIdentity & Pick<FbmemModeOptions, 'track'>;

/** A registered framebuffer: the device (state, memory, damage) and its node for the front door. */
export interface FbmemNode {
  readonly device: FbmemDevice;
  readonly chrdev: CharDevice;
}

/** Creates and registers framebuffers (the DRM fbdev probe + register_framebuffer). */
export interface FbmemFactoryApi {
  create(options: FbmemOptions): FbmemNode;
  register(backend: FbmemBackend, options?: FbmemRegisterOptions): FbmemNode;
}

/** Token of the `FbmemFactoryApi` (bound by `fbmemModule`). */
export const FBMEM_FACTORY: unique symbol = Symbol.for('fbemu.FbmemFactory');
/** Token of the `FbRegistry` (registered_fb + con2fb map), one per container. */
export const FB_REGISTRY: unique symbol = Symbol.for('fbemu.FbRegistry');
/** Token of the `FakeVt` (virtual terminals for programs that insist on one), one per container. */
export const FAKE_VT: unique symbol = Symbol.for('fbemu.FakeVt');
