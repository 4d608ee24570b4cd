import { cdbContainer } from "./containers";
import { resourcePolicy } from "./guard";
import { stackContext } from "./stackContext";

/** The flags each service reads, and their only acceptable value in a paper stack. */
export const PAPER_FLAGS: Record<string, Record<string, string>> = {
  execution: { MOCK_TRADING: "true", DRY_RUN: "true", USE_REAL_BALANCE: "false", MEXC_TESTNET: "true" },
  risk: { USE_REAL_BALANCE: "false", MEXC_TESTNET: "true" },
};
const ALL_FLAGS = { MOCK_TRADING: "true", DRY_RUN: "true", USE_REAL_BALANCE: "false", MEXC_TESTNET: "true" } as Record<string, string>;
/** Execution's switch past its live safety gate: a paper container has no business carrying it, whatever its value. */
export const LIVE_CONFIRMATION = "CONFIRM_LIVE_TRADING";

export const paperStaysPaper = resourcePolicy({
  name: "paper-stays-paper",
  description: "In a paper stack every container that reads the trading flags sets them, explicitly, to paper values, and none sets CONFIRM_LIVE_TRADING.",
  validate: (args, report) => {
    const c = cdbContainer(args.type, args.props);
    if (!c) return;
    // A rehearsal stack runs live flags by design; the rehearsal policies judge it instead.
    const ctx = stackContext();
    if (ctx.live || ctx.rehearsal) return;
    for (const [key, want] of Object.entries(PAPER_FLAGS[c.service] ?? {})) {
      if (!(key in c.env)) report(`${c.name}: ${key} must be set explicitly to "${want}" in a paper stack`);
    }
    for (const [key, want] of Object.entries(ALL_FLAGS)) {
      if (key in c.env && c.env[key] !== want) report(`${c.name}: ${key}="${c.env[key]}" in a paper stack, must be "${want}"`);
    }
    if (LIVE_CONFIRMATION in c.env) report(`${c.name}: ${LIVE_CONFIRMATION} is set in a paper stack; only a live executor carries it`);
  },
});
