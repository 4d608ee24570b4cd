import { program } from "./program";

// Stack outputs: names only, never a secret.
export = program();
