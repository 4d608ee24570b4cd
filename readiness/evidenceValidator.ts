import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import schema from "./evidence.schema.json";

// The evidence file's JSON schema as a validate function. From the sources it
// is compiled here at load time; the build (scripts/bin/build.cjs) replaces
// this module with ajv's standalone code for the same schema and the same
// options, so a compiled CLI loads neither ajv's compiler nor the schema.
// Keep the options in step with GENERATED in scripts/bin/build.cjs.

const ajv = new Ajv({ allErrors: false, strict: true });
addFormats(ajv, ["date-time"]);
export const validateEvidence: ValidateFunction = ajv.compile(schema);
