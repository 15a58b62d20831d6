import type { PixelFormatName } from '@fbemu/drm-fb-helper';
import type { WorkerMappingDescriptor } from '@fbemu/fbdev-defio';

/** `workerData` of demo.worker.js. */
export interface DemoWorkerData {
  mapping: WorkerMappingDescriptor;
  layout: { width: number; height: number; pitch: number; format: PixelFormatName };
  program: 'bouncer' | 'clock' | 'stripes';
  fps: number;
}
