import { cdbContainer } from "./containers";
import { stackPolicy } from "./guard";
import { knownProps } from "./knownProps";

/**
 * Guards against policies that silently match nothing (a renamed resource
 * type, a lost alias): a stack in which no cdb container is recognised
 * cannot have been checked, so it is refused.
 */
export const stackCoverage = stackPolicy({
  name: "cdb-coverage",
  description: "The policies recognised the stack's cdb containers; a stack they cannot see is refused.",
  validate: (args, report) => {
    // Outputs unknown in a preview (a carrier's `envs`) are absent here; the alias that identifies a cdb container is an input.
    const seen = args.resources.filter((r) => cdbContainer(r.type, knownProps(r.props as Record<string, unknown>).props)).length;
    if (seen === 0) report(`no cdb container recognised among ${args.resources.length} resources: the policies checked nothing`);
  },
});
