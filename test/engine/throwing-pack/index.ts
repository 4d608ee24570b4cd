import { PolicyPack } from "@pulumi/policy";
import { resourcePolicy } from "../../../policies/guard";

// A pack for the engine suite only, copied to the same path inside the project under test: its
// one policy throws, to show that the real analyzer reports a throwing
// policy of this project as a mandatory violation, not as an advisory.
new PolicyPack("cdb-throwing", {
  enforcementLevel: "mandatory",
  policies: [
    resourcePolicy({
      name: "always-throws",
      description: "Throws on every resource.",
      validate: () => {
        throw new TypeError("deliberate failure for the engine suite");
      },
    }),
  ],
});
