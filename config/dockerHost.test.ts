import { describe, expect, it } from "vitest";
import { sameDockerHost } from "./dockerHost";

// sameDockerHost decides whether docker:host and the engine a cdb command uses
// are one engine (ops/target.ts, stacks/program.ts): spellings of one URL are
// equal, anything that could be another engine is not.

describe("sameDockerHost", () => {
  it("equal for spellings of one engine", () => {
    for (const [a, b] of [
      ["unix:///var/run/docker.sock", "unix:///var/run//docker.sock"],
      ["tcp://10.0.0.5", "tcp://10.0.0.5:2375"],
      ["tcp://10.0.0.5:2376", "https://10.0.0.5"],
      ["ssh://deploy@h", "ssh://deploy@h:22"],
    ] as const) expect({ a, b, same: sameDockerHost(a, b) }).toEqual({ a, b, same: true });
  });

  it("different for another socket, host, port, user or scheme, and for anything unparseable", () => {
    for (const [a, b] of [
      ["unix:///var/run/docker.sock", "unix:///tmp/docker.sock"],
      ["tcp://10.0.0.5:2375", "tcp://10.0.0.6:2375"],
      ["tcp://10.0.0.5:2375", "tcp://10.0.0.5:2376"],
      ["ssh://deploy@h", "ssh://root@h"],
      ["ssh://h", "tcp://h:22"],
      ["/var/run/docker.sock", "/var/run/docker.sock"],
      ["unix://", "unix://"],
    ] as const) expect({ a, b, same: sameDockerHost(a, b) }).toEqual({ a, b, same: false });
  });
});
