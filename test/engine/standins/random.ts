import { randomInt } from "node:crypto";
// The provider server only, not @pulumi/pulumi's index: that also loads its closure serializer
// (@npmcli/arborist, pacote, typescript): 0.4 s of CPU more at every start of every plugin (bench/previewCpu.ts).
import { main } from "@pulumi/pulumi/provider";
import { secret, standinProvider } from "./standinProvider";

// STAND-IN for the random provider (engine tests only): a RandomPassword gets
// a real random value on create, kept in state, so it is stable across updates.

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const password = (length: number) => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join("");

void main(
  standinProvider({
    version: "4.21.2",
    computed: (type, inputs) =>
      type === "random:index/randomPassword:RandomPassword" ? { result: secret(password(Number(inputs.length ?? 16))) } : {},
  }),
  process.argv.slice(2),
);
