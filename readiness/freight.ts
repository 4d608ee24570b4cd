import path from "node:path";
import { APP_SERVICES } from "../config/services";
import type { StackPlan } from "../model/plan";
import { RECORD_KINDS } from "./recordKinds";
import { readRecord, type Statement, type Subject } from "./records";

// Freight: live runs what paper soaked. A collected paper record names, as its
// in-toto subjects, the image of every container that ran during the window
// (Docker's image id and the image's RepoDigests). The stability items that
// come from paper count for a live stack only when every app service's pinned
// image is the one paper soaked.
//
// The comparison (docs/freight.md): a pin `…@sha256:<d>` or `sha256:<d>` names
// the soaked image when <d> is
//   - the soaked image's id (Docker's content address of the image; on the same
//     host live can run it as `cdb:images.<svc>: sha256:<id>`), or
//   - the digest of one of its RepoDigests (the registry manifest digest that
//     `docker push` records on the pushing host; live pins `<repo>@sha256:<d>`).
// Digests are content addresses, so the repository name is not compared: the
// same manifest pushed to two registries is the same freight.

/** The services whose images must be the soaked ones: the trading system's own (infra images are public, pinned separately). */
export const FREIGHT_SERVICES: readonly string[] = APP_SERVICES;

/** One container's image as a paper record names it (an in-toto subject). */
export interface SoakedImage {
  service: string;
  container: string;
  /** Docker's image id, `sha256:<hex>`. */
  imageId: string;
  /** `<repo>@sha256:<hex>`, empty for an image built locally and never pushed. */
  repoDigests: string[];
  /** The reference the container was created from (`cdbpaper_execution:local`). */
  ref: string;
}

const HEX = /^[0-9a-f]{64}$/;
const hexOf = (d: string) => d.replace(/^.*@/, "").replace(/^sha256:/, "");

/**
 * The soaked images a record names, from its in-toto subjects as
 * ops/recordSubjects.ts writes them: `name` the service, `digest.sha256` the
 * image id, `annotations.repoDigests` the registry digests. Undefined when it
 * is no record with image subjects.
 */
export function soakedImagesOf(record: unknown): SoakedImage[] | undefined {
  const subjects = (record as { subject?: unknown } | null)?.subject;
  if (!Array.isArray(subjects)) return undefined;
  const images: SoakedImage[] = [];
  for (const s of subjects as Partial<Subject>[]) {
    const sha = s?.digest?.sha256;
    if (typeof s?.name !== "string" || typeof sha !== "string" || !HEX.test(sha)) continue;
    const a = (s.annotations ?? {}) as { container?: unknown; image?: unknown; repoDigests?: unknown };
    images.push({
      service: s.name,
      container: typeof a.container === "string" ? a.container : "",
      imageId: `sha256:${sha}`,
      repoDigests: Array.isArray(a.repoDigests) ? a.repoDigests.filter((d): d is string => typeof d === "string") : [],
      ref: typeof a.image === "string" ? a.image : "",
    });
  }
  return images.length > 0 ? images : undefined;
}

/** The digest a live pin names (`sha256:<hex>`), or undefined when it is not pinned. */
export function pinnedDigest(ref: string): string | undefined {
  const m = /(?:^|@)sha256:([0-9a-f]{64})$/.exec(ref);
  return m ? `sha256:${m[1]}` : undefined;
}

/** Every digest that names this soaked image. */
export const digestsOf = (i: SoakedImage): string[] => [i.imageId, ...i.repoDigests.map((d) => `sha256:${hexOf(d)}`)];

/** The image reference of every container of a plan (a build has none to pin). */
export const pinsOf = (plan: StackPlan): Record<string, string> =>
  Object.fromEntries(plan.containers.map((c) => [c.service, c.image.kind === "ref" ? c.image.ref : `build:${c.image.context}`]));

const short = (d: string) => `${d.slice(0, 19)}…`;

/**
 * Which images a record must have run to count for live, and how to say who ran them: the paper
 * stability items' freight (every app service, soaked on paper), or a rehearsal's executor
 * (RecordKind.pinnedImages). One comparison for both: freightProblems.
 */
export interface ImageBinding {
  services: readonly string[];
  /** "paper's record", "the rehearsal's record": who names the image. */
  source: string;
  /** "paper soaked", "the rehearsal ran". */
  ran: string;
}
export const PAPER_FREIGHT: ImageBinding = { services: FREIGHT_SERVICES, source: "paper's record", ran: "paper soaked" };

/** The binding of an item: its `freight: true`, else its record kind's pinnedImages; undefined when its records need no image. */
export function imageBindingOf(item: { freight?: boolean; record?: string | undefined }): ImageBinding | undefined {
  if (item.freight) return PAPER_FREIGHT;
  const services = item.record !== undefined ? RECORD_KINDS[item.record]?.pinnedImages : undefined;
  if (!services) return undefined;
  const stack = RECORD_KINDS[item.record!]!.mode;
  return { services, source: `the ${stack}'s record`, ran: `the ${stack} ran` };
}

/** Why the live pins are not the soaked freight; empty when every service of the binding matches. */
export function freightProblems(pins: Readonly<Record<string, string>>, soaked: readonly SoakedImage[], b: ImageBinding = PAPER_FREIGHT): string[] {
  const problems: string[] = [];
  for (const service of b.services) {
    const pin = pins[service];
    if (pin === undefined) continue;
    const digest = pinnedDigest(pin);
    const ran = soaked.filter((i) => i.service === service);
    if (digest === undefined) problems.push(`${service}: ${pin} is not pinned by digest`);
    else if (ran.length === 0) problems.push(`${service}: ${b.source} names no image for it`);
    else if (!ran.every((i) => digestsOf(i).includes(digest))) {
      const other = ran.find((i) => !digestsOf(i).includes(digest))!;
      const pushed = other.repoDigests.length > 0 ? ` (RepoDigests ${other.repoDigests.map((d) => short(`sha256:${hexOf(d)}`)).join(", ")})` : " (never pushed: no RepoDigests)";
      problems.push(`${service}: live pins ${short(digest)}, ${b.ran} image ${short(other.imageId)}${pushed}`);
    }
  }
  return problems;
}

/** The statement of a record artifact (repo-relative path), when it is a valid record. */
function statementAt(repoRoot: string, artifactPath: string): Statement | undefined {
  const r = readRecord(path.resolve(repoRoot, artifactPath));
  return r.ok ? r.statement : undefined;
}

/**
 * The freight problems of one evidence entry's artifacts against the live pins:
 * every artifact must be a record naming soaked images, and they must be the pinned ones.
 */
export function entryFreightProblems(repoRoot: string, artifacts: readonly { path: string }[], pins: Readonly<Record<string, string>>, b: ImageBinding = PAPER_FREIGHT): string[] {
  if (artifacts.length === 0) return [`no record names the images ${b.ran}`];
  const problems: string[] = [];
  for (const a of artifacts) {
    const soaked = soakedImagesOf(statementAt(repoRoot, a.path));
    if (!soaked) problems.push(b === PAPER_FREIGHT ? `${a.path} is no record naming the soaked images (collect it: npx cdb evidence collect)` : `${a.path} is no record naming the images ${b.ran}`);
    else problems.push(...freightProblems(pins, soaked, b).map((p) => `${a.path}: ${p}`));
  }
  return problems;
}

/** What a promotion ships, per app service: the pinned image and the paper window that soaked it. */
export interface FreightLine {
  service: string;
  pinned: string;
  soaked: boolean;
  /** The record(s) and windows in which paper ran this image. */
  windows: { record: string; from: string; to: string }[];
}

/** The freight a live stack carries, from the records of its freight items' entries. */
export function describeFreight(repoRoot: string, records: readonly { path: string }[], pins: Readonly<Record<string, string>>): FreightLine[] {
  const read = records.map((r) => ({ path: r.path, record: statementAt(repoRoot, r.path) }));
  return FREIGHT_SERVICES.filter((s) => pins[s] !== undefined).map((service) => {
    const pinned = pins[service]!;
    const digest = pinnedDigest(pinned);
    const windows = read.flatMap(({ path: p, record }) => {
      const match = soakedImagesOf(record)?.some((i) => i.service === service && digest !== undefined && digestsOf(i).includes(digest));
      if (!match) return [];
      const w = record!.predicate.window;
      return [{ record: p, from: w.from, to: w.to }];
    });
    return { service, pinned, soaked: windows.length > 0, windows };
  });
}

/** One line of freight for people: the service, its pinned image, the paper windows that soaked it. */
export const freightText = (f: FreightLine): string =>
  `${f.service} ${f.pinned}: ${f.soaked ? `soaked on paper ${f.windows.map((w) => `${w.from} to ${w.to} (${path.basename(w.record)})`).join(", ")}` : "not soaked on paper"}`;
