import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

// Fail closed. The policy SDK turns an UnknownValueError (a value not known
// during preview) into an *advisory* diagnostic and any other exception into
// an analyzer error; both would let a gate be bypassed or blur why it failed.
// Every policy here runs inside a guard that reports any exception as a
// violation of the policy itself, which the pack makes mandatory.

type Policy<A> = { name: string; description: string; validate: (args: A, report: ReportViolation) => void | Promise<void> };

const explain = (name: string, e: unknown) =>
  `${name} could not be evaluated, so it refuses: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;

/** The validation wrapped so that any exception becomes a violation of the policy. */
const guarded =
  <A>(p: Policy<A>) =>
  async (args: A, report: ReportViolation): Promise<void> => {
    try {
      await p.validate(args, report);
    } catch (e) {
      report(explain(p.name, e));
    }
  };

export const resourcePolicy = (p: Policy<ResourceValidationArgs>): ResourceValidationPolicy => ({
  name: p.name,
  description: p.description,
  enforcementLevel: "mandatory",
  validateResource: guarded(p),
});

export const stackPolicy = (p: Policy<StackValidationArgs>): StackValidationPolicy => ({
  name: p.name,
  description: p.description,
  enforcementLevel: "mandatory",
  validateStack: guarded(p),
});
