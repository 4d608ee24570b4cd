import type { StackPlan } from "../model/plan";
import { FREIGHT_SERVICES, soakedImagesOf } from "../readiness/freight";
import type { DockerTarget } from "./docker";
import { imageSubjects } from "./recordSubjects";

// `cdb freight --stack paper`: the images paper runs now, as the pins live
// needs (docs/freight.md). A pushed image is pinned by its registry digest
// (RepoDigests, after `docker push`); one never pushed only by its image id,
// which works on this Docker host alone.

export interface FreightPin {
  service: string;
  container: string;
  imageId: string;
  repoDigests: string[];
  /** What to set as cdb:images.<service> in live. */
  pin: string;
  /** `registry`: any host can pull it; `same-host`: only this Docker host has it. */
  reach: "registry" | "same-host";
}

export async function freightPins(t: DockerTarget, plan: StackPlan): Promise<FreightPin[]> {
  const containers = plan.containers.filter((c) => FREIGHT_SERVICES.includes(c.service)).map((c) => ({ service: c.service, container: c.name }));
  const images = soakedImagesOf({ subject: await imageSubjects(t, containers) }) ?? [];
  return images.map((i) => ({
    service: i.service,
    container: i.container,
    imageId: i.imageId,
    repoDigests: i.repoDigests,
    pin: i.repoDigests[0] ?? i.imageId,
    reach: i.repoDigests.length > 0 ? "registry" : "same-host",
  }));
}

/** The commands that pin live to these images. */
export const pinCommands = (pins: readonly FreightPin[], liveStack = "live"): string[] =>
  pins.map((p) => `pulumi config set -s ${liveStack} --path cdb:images.${p.service} ${p.pin}${p.reach === "same-host" ? "   # image id: never pushed, runs on this Docker host only" : ""}`);
