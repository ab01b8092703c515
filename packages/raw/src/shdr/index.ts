// The SHDR importer: real MTConnect logs into a raw database (DOMAIN §7).
export {
  addToKeyShape,
  classifyKeyShape,
  datatypeOfCategory,
  emptyKeyShape,
  type KeyShape,
  SHDR_DATATYPES,
  type ShdrDatatype,
  sampleValue,
} from './classify.ts';
export { type DataItemInfo, type DeviceModel, listDevices, parseDevicesXml } from './devices-xml.ts';
export { ShdrInputError } from './errors.ts';
export {
  type ImportShdrOptions,
  importShdr,
  type ShdrFileResult,
  type ShdrImportResult,
  type ShdrVariableCreated,
} from './import-shdr.ts';
export { parseShdrFileName, type ShdrFileName } from './shdr-file-name.ts';
export {
  type ShdrFileCounts,
  ShdrFileSequencer,
  type ShdrFileSequencerOptions,
  type ShdrRow,
  type ShdrVariable,
} from './shdr-file-sequencer.ts';
export { NIST_MAZAK01_DIR, type ShdrFolder, shdrFolder } from './shdr-folder.ts';
export {
  conditionLevel,
  type IsCondition,
  parseShdrLine,
  parseShdrTimestamp,
  type ShdrLine,
  type ShdrToken,
} from './shdr-line.ts';
