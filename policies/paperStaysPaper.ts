import { FLAGS_READ_BY, LIVE_CONFIRMATION, PAPER_FLAGS } from "../config/safety";
import { cdbContainer } from "./containers";
import { resourcePolicy } from "./guard";
import { stackContext } from "./stackContext";

export const paperStaysPaper = resourcePolicy({
  name: "paper-stays-paper",
  description: "In a paper stack every container that reads the trading flags sets them, explicitly, to paper values, and none sets CONFIRM_LIVE_TRADING.",
  validate: (args, report) => {
    const c = cdbContainer(args.type, args.props);
    if (!c) return;
    // A rehearsal stack runs live flags by design; the rehearsal policies judge it instead.
    const ctx = stackContext();
    if (ctx.live || ctx.rehearsal) return;
    for (const key of FLAGS_READ_BY[c.service] ?? []) {
      if (!(key in c.env)) report(`${c.name}: ${key} must be set explicitly to "${PAPER_FLAGS[key]}" in a paper stack`);
    }
    for (const [key, want] of Object.entries(PAPER_FLAGS)) {
      if (key in c.env && c.env[key] !== want) report(`${c.name}: ${key}="${c.env[key]}" in a paper stack, must be "${want}"`);
    }
    if (LIVE_CONFIRMATION in c.env) report(`${c.name}: ${LIVE_CONFIRMATION} is set in a paper stack; only a live executor carries it`);
  },
});
