import { writeFileSync } from "node:fs";
import path from "node:path";
import { loadCatalog } from "../readiness/catalog";
import { REPO_ROOT } from "../platform/paths";
import { EMERGENCY_RUNBOOK, renderEmergencyRunbook } from "../readiness/emergencyRunbook";
import { renderRunbook } from "../readiness/runbookDoc";

export const RUNBOOK_FILE = path.join(REPO_ROOT, "docs", "runbooks", "live-trading.md");

writeFileSync(RUNBOOK_FILE, renderRunbook(loadCatalog()));
process.stdout.write(`wrote ${path.relative(REPO_ROOT, RUNBOOK_FILE)}\n`);
writeFileSync(path.join(REPO_ROOT, EMERGENCY_RUNBOOK), renderEmergencyRunbook("live"));
process.stdout.write(`wrote ${EMERGENCY_RUNBOOK}\n`);
