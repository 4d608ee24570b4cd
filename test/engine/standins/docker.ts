// The provider server only, not @pulumi/pulumi's index: that also loads its closure serializer
// (@npmcli/arborist, pacote, typescript): 0.4 s of CPU more at every start of every plugin (bench/previewCpu.ts).
import { main } from "@pulumi/pulumi/provider";
import { standinProvider } from "./standinProvider";

// STAND-IN for the docker provider (engine tests only): echoes inputs, starts
// no container. A built image reports its name and a made-up digest.

void main(
  standinProvider({
    version: "5.2.0",
    computed: (type, inputs) =>
      type === "docker:index/image:Image"
        ? { repoDigest: `${String(inputs.imageName)}@sha256:${"0".repeat(64)}` }
        : type === "docker:index/remoteImage:RemoteImage"
          ? { imageId: `sha256:${"0".repeat(64)}`, repoDigest: String(inputs.name) }
          : {},
  }),
  process.argv.slice(2),
);
