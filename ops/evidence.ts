import { existsSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Document, isMap, parseDocument, type YAMLMap } from "yaml";
import { artifactProblem } from "../readiness/artifacts";
import { loadCatalog, REPO_ROOT, type Catalog } from "../readiness/catalog";
import { configDigest } from "../readiness/digest";
import { UnusableInput } from "../readiness/errors";
import { loadEvidence, type EvidenceEntry } from "../readiness/evidence";
import { drillRecordProblems } from "./drill";
import { OpsRefused } from "./errors";
import { stackPlan } from "./target";
import { fileSha256 } from "../readiness/artifacts";
import { MAX_ARTIFACT_BYTES, readInputText } from "../config/inputFile";
import { readYamlFile as loadYamlChecked } from "../readiness/yamlFile";

// `cdb evidence init|add|approve`: the evidence file written by commands,
// through the yaml Document API so comments and order survive. Every write is
// validated by the gate's own loader before it replaces the file.

export interface EvidenceFileRequest {
  file: string;
  catalog?: Catalog;
}

const toPosix = (p: string) => p.split(path.sep).join("/");

function readDoc(file: string): Document.Parsed {
  if (!existsSync(file)) throw new UnusableInput(file, "file not found (create it with cdb evidence init)");
  // Bounded like every input; the gate's loader (aliases, control characters) checks it again before any write.
  loadYamlChecked(file);
  const doc = parseDocument(readInputText(file));
  if (doc.errors.length > 0) throw new UnusableInput(file, `malformed YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  return doc;
}

/** Validates the new text with the gate's loader, then replaces the file in one rename. */
function writeChecked(file: string, doc: Document, stack: string, catalog: Catalog): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, doc.toString({ lineWidth: 0 }));
  try {
    loadEvidence(tmp, stack, catalog);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof UnusableInput) throw new UnusableInput(file, e.detail);
    throw e;
  }
  renameSync(tmp, file);
}

export function initEvidence(req: { stack: string; file: string; stackConfig?: string; force?: boolean; catalog?: Catalog }): { file: string; configDigest: string } {
  const catalog = req.catalog ?? loadCatalog();
  if (existsSync(req.file) && !req.force) throw new OpsRefused(`${req.file} exists; pass --force to replace it`);
  const digest = configDigest(stackPlan(req.stack, req.stackConfig).plan);
  const open = catalog.items.filter((i) => i.kind !== "machine");
  const doc = new Document({ version: 1, stack: req.stack, configDigest: digest, items: {} });
  doc.commentBefore = [
    ` Readiness evidence for the ${req.stack} stack (schema: readiness/evidence.schema.json).`,
    " configDigest binds it to the stack's trading settings (npx cdb digest); a change voids every entry.",
    " Fill it with commands, not by hand:",
    "   npx cdb evidence add <id> --by <handle> --artifact <file>... [--value <n>]",
    "   npx cdb evidence approve <id> --by <second person>      (two-person items)",
    "   npx cdb kill --stack paper --drill                        (then add killswitch.manual-drill)",
    "   npx cdb evidence collect --stack paper --since <time>     (stability.paper-orders, stability.observation-window)",
    ` Items to prove (${open.length}): ${open.map((i) => i.id).join(", ")}`,
  ].join("\n");
  writeChecked(req.file, doc, req.stack, catalog);
  return { file: req.file, configDigest: digest };
}

/** Repo-relative path and digest of an artifact; it must be a file inside the repository. */
export function artifactRef(file: string, repoRoot = REPO_ROOT): { path: string; sha256: string } {
  const abs = path.resolve(file);
  // Read first: a missing file, a FIFO, a device or a directory is refused with one line.
  const sha256 = fileSha256(abs, file);
  const ref = { path: toPosix(path.relative(realpathSync(repoRoot), realpathSync(abs))), sha256 };
  const problem = artifactProblem(repoRoot, ref);
  if (problem) throw new UnusableInput(file, problem);
  return ref;
}

export interface AddRequest extends EvidenceFileRequest {
  id: string;
  by: string;
  artifacts?: string[];
  value?: number;
  note?: string;
  at?: string;
}

function stackOf(doc: Document.Parsed, file: string): string {
  const stack = doc.get("stack");
  if (typeof stack !== "string") throw new UnusableInput(file, "stack: missing");
  return stack;
}

function checkId(catalog: Catalog, id: string, file: string) {
  const item = catalog.items.find((i) => i.id === id);
  if (!item) throw new UnusableInput(file, `unknown checklist id ${id}`);
  if (item.kind === "machine") throw new OpsRefused(`${id} is a machine item: the stack proves it, evidence cannot`);
  return item;
}

/** Writes (or replaces) the entry `id`; a replaced entry loses its approval. */
export function addEvidence(req: AddRequest): EvidenceEntry {
  const catalog = req.catalog ?? loadCatalog();
  const doc = readDoc(req.file);
  const stack = stackOf(doc, req.file);
  const item = checkId(catalog, req.id, req.file);
  const artifacts = (req.artifacts ?? []).map((a) => artifactRef(a));
  let at = req.at;
  for (const a of req.artifacts ?? []) {
    const text = readInputText(a, { what: "artifact", maxBytes: MAX_ARTIFACT_BYTES });
    if (!/"kind":\s*"cdb-killswitch-drill"/.test(text)) continue;
    const problems = drillRecordProblems(text);
    if (problems.length > 0) throw new OpsRefused(`${a}: not a passing drill record: ${problems.join("; ")}`);
    // The drill's time, not the time of typing: freshness counts from the drill.
    at ??= (JSON.parse(text) as { startedAt: string }).startedAt;
  }
  if (item.artifact && artifacts.length === 0) throw new OpsRefused(`${req.id} needs at least one --artifact`);
  if (item.threshold && req.value === undefined) throw new OpsRefused(`${req.id} needs --value (>= ${item.threshold.min} ${item.threshold.unit})`);
  const entry: EvidenceEntry = {
    by: req.by,
    at: at ?? new Date().toISOString(),
    ...(req.value !== undefined ? { value: req.value } : {}),
    ...(artifacts.length > 0 ? { artifacts } : {}),
    ...(req.note ? { note: req.note } : {}),
  };
  let items = doc.get("items", true);
  if (!isMap(items)) {
    doc.set("items", doc.createNode({}));
    items = doc.get("items", true);
  }
  (items as YAMLMap).flow = false;
  const existing = (items as YAMLMap).get(req.id, true);
  const node = doc.createNode(entry);
  if (existing && isMap(existing)) (node as YAMLMap).commentBefore = existing.commentBefore;
  (items as YAMLMap).set(req.id, node);
  writeChecked(req.file, doc, stack, catalog);
  return entry;
}

export function approveEvidence(req: EvidenceFileRequest & { id: string; by: string }): EvidenceEntry {
  const catalog = req.catalog ?? loadCatalog();
  const doc = readDoc(req.file);
  const stack = stackOf(doc, req.file);
  checkId(catalog, req.id, req.file);
  const entry = doc.getIn(["items", req.id], true);
  if (!isMap(entry)) throw new OpsRefused(`${req.id} has no entry to approve (cdb evidence add first)`);
  const by = String(entry.get("by"));
  if (by.trim().toLowerCase() === req.by.trim().toLowerCase()) throw new OpsRefused(`${req.id}: ${req.by} wrote the entry and cannot approve it; a second person must`);
  entry.set("approvedBy", req.by);
  writeChecked(req.file, doc, stack, catalog);
  return (doc.toJS() as { items: Record<string, EvidenceEntry> }).items[req.id]!;
}
