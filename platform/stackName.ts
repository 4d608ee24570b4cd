import { UnusableInput } from "./errors";

// What a stack name may be: Pulumi's own rule (sdk/go/common/tokens,
// ValidateStackName): 1 to 100 of A-Z a-z 0-9 _ . -. Every file this project
// derives from a stack name (Pulumi.<stack>.yaml, readiness/<stack>.evidence.yaml,
// records named after it) stays in its folder: no name holds a "/" or "\".
// Checked once for every command's --stack (scripts/cdb.ts) and again where
// a name becomes a path (./paths.ts).

const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The name, or UnusableInput naming `via` (default --stack). */
export function checkStackName(name: string, via = "--stack"): string {
  if (!STACK_NAME.test(name) || name === "." || name === "..") {
    throw new UnusableInput(via, `${JSON.stringify(name)} is not a stack name (Pulumi's rule: 1 to 100 letters, digits, "_", "." or "-")`);
  }
  return name;
}
