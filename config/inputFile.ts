import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { UnusableInput } from "../platform/errors";

// The one way this project reads a file someone hands it (stack config,
// checklist, evidence, artifacts, drill records, password files): a regular
// file only, and never more than a cap. A FIFO, a device or a directory is
// refused at once: the file is opened without blocking (a FIFO with no writer
// would otherwise hang the open) and checked with fstat on the opened
// descriptor, so it cannot be swapped between the check and the read. The cap
// is counted while reading, not taken from stat, so a file that grows while
// it is read still stops at the cap.

export const MAX_INPUT_BYTES = 1024 * 1024;
/** Evidence artifacts (screenshots, exports) may be larger than config files. */
export const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;
/**
 * All artifacts one gate evaluation hashes together, each file once: beyond it the gate fails
 * closed (exit 2) instead of hashing for minutes (400 references to 60 MB files took 46 s).
 */
export const MAX_ARTIFACT_BYTES_PER_EVALUATION = 1024 * 1024 * 1024;

const CHUNK = 64 * 1024;
// Not defined on Windows, where opening a FIFO does not block.
const NONBLOCK = constants.O_NONBLOCK ?? 0;

function kindOf(st: ReturnType<typeof fstatSync>): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function openRegular(file: string, what: string): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UnusableInput(file, `${what} not found`);
    if (code === "EISDIR") throw new UnusableInput(file, "is a directory, not a file");
    throw new UnusableInput(file, `cannot read ${what} (${code ?? String(e)})`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new UnusableInput(file, st.isDirectory() ? "is a directory, not a file" : `is ${kindOf(st)}, not a regular file`);
  }
  return fd;
}

/** Hands the file's bytes to `onChunk` in order; refuses anything but a regular file, and more than `maxBytes`. */
export function readInputChunks(file: string, onChunk: (chunk: Buffer) => void, opts: { maxBytes?: number; what?: string } = {}): number {
  const max = opts.maxBytes ?? MAX_INPUT_BYTES;
  const what = opts.what ?? "file";
  const fd = openRegular(file, what);
  const buf = Buffer.allocUnsafe(CHUNK);
  let total = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // EAGAIN: the descriptor is non-blocking and the file is not a plain file after all.
        throw new UnusableInput(file, `cannot read ${what} (${code ?? String(e)})`);
      }
      if (n === 0) return total;
      total += n;
      if (total > max) throw new UnusableInput(file, `${what} is larger than the ${limitText(max)} limit`);
      onChunk(Buffer.from(buf.subarray(0, n)));
    }
  } finally {
    closeSync(fd);
  }
}

/** The whole file, bounded (see readInputChunks). */
export function readInputFile(file: string, opts: { maxBytes?: number; what?: string } = {}): Buffer {
  const parts: Buffer[] = [];
  readInputChunks(file, (c) => parts.push(c), opts);
  return Buffer.concat(parts);
}

/** The file as UTF-8 text, bounded. */
export const readInputText = (file: string, opts: { maxBytes?: number; what?: string } = {}): string => readInputFile(file, opts).toString("utf8");

const limitText = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} byte`);
