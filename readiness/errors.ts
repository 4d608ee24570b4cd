// Unusable input has one home (config/errors.ts); the readiness modules import it from here.
export { UnusableInput } from "../config/errors";
