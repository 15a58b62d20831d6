import 'reflect-metadata';

export { ByteWriter } from './byte-writer.js';
export {
  COLMOD_RGB565,
  DBI_RECORD_HEADER,
  dbiAddress,
  dbiCommand,
  dbiDataHeader,
  forEachDbiRecord,
  MipiDcs,
} from './dbi-stream.js';
export { encodeDcsInit, encodeDcsRect } from './dcs-encoder.js';
export { DcsPanel, type DcsPanelStats } from './dcs-panel.js';
export { DefioDriver } from './defio-driver.js';
export { DirtyPages } from './dirty-pages.js';
export { DmaDriver } from './dma.js';
export { DMA_MAX_DESCRIPTORS, DmaEngine, type DmaEngineStats } from './dma-engine.js';
export { EinkDriver } from './eink.js';
export { encodeEinkArea } from './eink-encoder.js';
export { DEFAULT_EINK_TIMINGS, EinkPanel, type EinkPanelStats, type EinkTimings } from './eink-panel.js';
export { EinkOp, einkLoadHeader, einkRefresh, type RefreshMode } from './eink-protocol.js';
export { dirtyBounds, type FbView, fbView, forEachDirtyClip } from './fb-view.js';
export { FBTFT_DEFAULT_FPS, FbtftDriver } from './fbtft.js';
export * from './grey.js';
export { fbdevDriversModule } from './module.js';
export { pageChecksum } from './page-checksum.js';
export { PvDriver } from './pv.js';
export { PV_HOST_EVENTS_PER_PASS, PvHost, type PvHostStats } from './pv-host.js';
export * from './pv-ring.js';
export { rowToRgb565 } from './rgb565.js';
export { SG_CTRL_LAST, SG_DESC_WORDS, SgList } from './sg-list.js';
export * from './tokens.js';
export { UDL_DEFAULT_MERGE_GAP, UdlDriver } from './udl.js';
export { UdlDevice, type UdlDeviceStats } from './udl-device.js';
export { changedSpans, encodeUdlSpan } from './udl-encoder.js';
export * from './udl-protocol.js';
export { DEFAULT_RETRY_MS, UpdatePump, type UpdateSink } from './update-pump.js';
