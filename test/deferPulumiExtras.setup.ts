// Every test worker loads Pulumi's SDK as the program, the pack and the CLI do: without the
// parts no cdb code uses, loaded on first use (scripts/bin/deferPulumiExtras.cjs).
import "../scripts/bin/deferPulumiExtras.cjs";
