import { describe, expect, it } from "vitest";
import { emergencyCommands, type RunbookCommand } from "../readiness/emergencyRunbook";
import { program } from "./cdb";

// Every command line of docs/runbooks/emergency.md is one the real CLI
// defines: the subcommand exists, every option it uses is one of its options,
// and it gives every required option.

function problemsOf(c: RunbookCommand): string[] {
  const cmd = program.commands.find((x) => x.name() === c.command);
  if (!cmd) return [`${c.line}: cdb has no command ${c.command}`];
  const known = cmd.options.map((o) => o.long);
  return [
    ...c.options.filter((o) => !known.includes(o)).map((o) => `${c.line}: cdb ${c.command} has no option ${o}`),
    ...cmd.options.filter((o) => o.mandatory && !c.options.includes(o.long!)).map((o) => `${c.line}: lacks the required ${o.long}`),
  ];
}

describe("the emergency runbook's commands against the cdb CLI's own definitions", () => {
  it.each(Object.entries(emergencyCommands("live")))("%s: the command and its options exist, required options are given", (_id, c) => {
    expect(problemsOf(c)).toEqual([]);
  });

  it("notices an unknown command, an unknown option and a missing required option", () => {
    expect(problemsOf({ line: "npx cdb stop-all", command: "stop-all", options: [] })).toEqual(["npx cdb stop-all: cdb has no command stop-all"]);
    expect(problemsOf({ line: "npx cdb kill --stack live --everything", command: "kill", options: ["--stack", "--everything"] })).toEqual(["npx cdb kill --stack live --everything: cdb kill has no option --everything"]);
    expect(problemsOf({ line: "npx cdb rollback --stack live", command: "rollback", options: ["--stack"] })).toEqual(["npx cdb rollback --stack live: lacks the required --reason"]);
  });
});
