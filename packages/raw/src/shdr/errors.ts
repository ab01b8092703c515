/**
 * The import cannot start with what it was given: a file name without a day, files of several devices,
 * a Devices.xml without the device, a missing file. A malformed *line* is never this error: it is
 * skipped and counted.
 *
 * @example
 * try { await importShdr({ target: url, files }); }
 * catch (e) { if (e instanceof ShdrInputError) process.exitCode = 2; else throw e; }
 */
export class ShdrInputError extends Error {
  override name = 'ShdrInputError';
}
