import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

// Assembly only: constructing the pack starts the analyzer server.
new PolicyPack("cdb", { enforcementLevel: "mandatory", policies: POLICIES });
