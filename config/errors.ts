/**
 * Input that cannot be used: a broken or oversized file, a FIFO or device
 * where a file belongs, an unknown id, a wrong stack, a refused flag value.
 * Exit code 2 (scripts/exitCodes.ts). Lives at the bottom of the import graph
 * because every layer reads input.
 */
export class UnusableInput extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${detail}`);
    this.name = "UnusableInput";
  }
}
