/** Input the gate cannot use: a broken file, an unknown id, a wrong stack. Exit code 2. */
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
