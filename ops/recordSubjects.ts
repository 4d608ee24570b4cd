import type { Subject } from "../readiness/records";
import { dockerCall, type DockerTarget, inspectContainer } from "./docker";
import { OpsFailure } from "../platform/errors";

// The `subject` of a record: the images the containers involved ran, by the
// digest Docker knows them by. `digest.sha256` is the image id (the config
// digest: what a locally built paper image has); the registry's manifest
// digests, when the image came from or went to a registry, are in
// `annotations.repoDigests`, so live's pinned `…@sha256:` can be matched to
// what paper soaked either way.

export interface SubjectContainer {
  /** The service, e.g. "execution": the subject's name. */
  service: string;
  /** The container, e.g. "cdbpaper_execution". */
  container: string;
}

/** Subjects for the containers that exist; a missing container is left out (the record's figures say what ran). */
export async function imageSubjects(t: DockerTarget, containers: SubjectContainer[]): Promise<Subject[]> {
  const out: Subject[] = [];
  for (const c of containers) {
    let info;
    try {
      info = await inspectContainer(t, c.container);
    } catch (e) {
      if (e instanceof OpsFailure && e.kind === "notFound") continue;
      throw e;
    }
    const id = /^sha256:([0-9a-f]{64})$/.exec(info.Image ?? "");
    if (!id) continue;
    const image = await dockerCall(t, `inspect image of ${c.container}`, () => t.docker.getImage(info.Image).inspect()).catch(() => undefined);
    out.push({
      name: c.service,
      digest: { sha256: id[1]! },
      annotations: { container: c.container, image: info.Config?.Image ?? "", repoDigests: image?.RepoDigests ?? [] },
    });
  }
  if (out.length === 0) throw new OpsFailure("notFound", `none of ${containers.map((c) => c.container).join(", ")} exists on ${t.host}: a record needs the images it is about`);
  return out;
}
