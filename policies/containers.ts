import { CONTAINER_TYPE } from "../model/containerArgs";
import { containerFacts, type ContainerFacts } from "../readiness/facts";

export const isContainer = (type: string) => type === CONTAINER_TYPE;

/** Facts of a cdb container (one with a `cdb_` alias), or undefined for anything else. */
export const cdbContainer = (type: string, props: Record<string, unknown>): ContainerFacts | undefined =>
  isContainer(type) ? containerFacts(props) : undefined;

