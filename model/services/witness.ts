import { canonicalName, SERVICES } from "../../config/services";
import { witnessArgv } from "../../config/witness";
import type { ServiceModule } from "./module";

// This project's witness (config/witness.ts): it finds the stack's containers by
// their prefix through the read-only Docker socket, reads Redis's clock and
// streams, and signs records with the key it made in its own volume. The key is
// made at its first start, so the program never sees it: `cdb witness key` reads
// the public half from the running container.
export const witness: ServiceModule = {
  name: "witness",
  spec: SERVICES.witness,
  component: "cdb:witness:Witness",
  env: ({ stack, prefix }) => ({
    CDB_STACK: stack,
    CDB_CONTAINER_PREFIX: prefix,
    REDIS_HOST: canonicalName("redis"),
    REDIS_PORT: String(SERVICES.redis.port),
  }),
  // The program and the command set explicitly (the shared contract), whatever the image's own entrypoint.
  start: () => ({ entrypoint: witnessArgv(), command: ["serve"] }),
};
