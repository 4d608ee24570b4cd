import { INFRA_SERVICES, OWN_SERVICES } from "../config/services";
import type { StackPlan } from "../model/plan";
import { FREIGHT_SERVICES, soakedImagesOf } from "../readiness/freight";
import type { DockerTarget } from "./docker";
import { imageSubjects } from "./recordSubjects";

// `cdb freight --stack paper`: the images paper runs now, as the pins live
// needs (docs/freight.md). A pushed image is pinned by its registry digest
// (RepoDigests, after `docker push`); one never pushed only by its image id,
// which works on this Docker host alone. Live pins every image it runs, so
// the infrastructure's and the witness's are printed too, pinned to what paper
// runs; only the app services' pins are the freight the gate compares with
// paper's records (`soaked`).

/** Every service whose image live pins: the freight first, then this project's and the infrastructure's. */
export const PINNED_SERVICES: readonly string[] = [...FREIGHT_SERVICES, ...OWN_SERVICES, ...INFRA_SERVICES];

export interface FreightPin {
  service: string;
  container: string;
  imageId: string;
  repoDigests: string[];
  /** What to set as cdb:images.<service> in live. */
  pin: string;
  /** `registry`: any host can pull it; `same-host`: only this Docker host has it. */
  reach: "registry" | "same-host";
  /** True for the freight: the gate compares this pin with what paper's records name (readiness/freight.ts). */
  soaked: boolean;
}

/** The services of `plan` live pins whose container paper does not run (no pin to print for them). */
export const absentPins = (plan: StackPlan, pins: readonly FreightPin[]): { service: string; container: string }[] =>
  plan.containers.filter((c) => PINNED_SERVICES.includes(c.service) && !pins.some((p) => p.service === c.service)).map((c) => ({ service: c.service, container: c.name }));

export async function freightPins(t: DockerTarget, plan: StackPlan): Promise<FreightPin[]> {
  const containers = plan.containers.filter((c) => PINNED_SERVICES.includes(c.service)).map((c) => ({ service: c.service, container: c.name }));
  const images = soakedImagesOf({ subject: await imageSubjects(t, containers) }) ?? [];
  return images.map((i) => ({
    service: i.service,
    container: i.container,
    imageId: i.imageId,
    repoDigests: i.repoDigests,
    pin: i.repoDigests[0] ?? i.imageId,
    reach: i.repoDigests.length > 0 ? "registry" : "same-host",
    soaked: FREIGHT_SERVICES.includes(i.service),
  }));
}

/** The commands that pin live to these images. */
export const pinCommands = (pins: readonly FreightPin[], liveStack = "live"): string[] =>
  pins.map((p) => `pulumi config set -s ${liveStack} --path cdb:images.${p.service} ${p.pin}${p.reach === "same-host" ? "   # image id: never pushed, runs on this Docker host only" : ""}`);
