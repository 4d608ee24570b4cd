import { isPinnedByDigest } from "../config/safety";
import { isContainer } from "./containers";
import { resourcePolicy } from "./guard";
import { stackContext } from "./stackContext";

export const IMAGE_TYPE = "docker:index/image:Image";

export const liveImagesPinned = resourcePolicy({
  name: "live-images-pinned",
  description: "A live stack runs only images pinned by digest and builds none.",
  validate: (args, report) => {
    if (args.type !== IMAGE_TYPE && !isContainer(args.type)) return;
    if (!stackContext().live) return;
    if (args.type === IMAGE_TYPE) {
      report(`${args.name}: a live stack must not build images; pin a registry image by digest instead`);
      return;
    }
    // A built image's name is unknown during preview: reading it throws, and the guard refuses.
    const image = String(args.props.image);
    if (!isPinnedByDigest(image)) report(`${args.name}: image ${image} is not pinned by digest (…@sha256:<64 hex>, or the image id sha256:<64 hex>)`);
  },
});
