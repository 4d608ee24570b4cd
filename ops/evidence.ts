import { existsSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Document, isMap, parseDocument, type YAMLMap } from "yaml";
import { artifactProblem, fileSha256 } from "../readiness/artifacts";
import { loadCatalog, type Catalog } from "../readiness/catalog";
import { REPO_ROOT, stackConfigFile } from "../platform/paths";
import { configDigest } from "../readiness/digest";
import { OpsRefused, UnusableInput } from "../platform/errors";
import { PENDING_DIGEST, thresholdText } from "../readiness/evaluate";
import { loadEvidence, type EvidenceEntry } from "../readiness/evidence";
import { loadAllowedSigners, verifySignedBy } from "../readiness/allowedSigners";
import { writerAllowedSigners } from "../readiness/trustRoot";
import { approverForm, authorForm, type SignedFields } from "../readiness/entrySignature";
import { RECORD_KINDS } from "../readiness/recordKinds";
import { judgeRecord } from "../readiness/records";
import { publicKeyOfFile, signWithKeyFile, SshsigError } from "../readiness/sshsig";
import { liveKeyFingerprint } from "../readiness/rehearsalRule";
import { IncompleteStackConfig } from "../readiness/stackView";
import { stackPlan } from "./target";
import { readYamlFile as loadYamlChecked } from "../readiness/yamlFile";
import { readInputText } from "../config/inputFile";

// `cdb evidence init|add|approve`: the evidence file written by commands,
// through the yaml Document API so comments and order survive. Every write is
// validated by the gate's own loader before it replaces the file.

export interface EvidenceFileRequest {
  file: string;
  catalog?: Catalog;
  /** Private key file that signs (sshsig); its key must be in allowed_signers. */
  key: string;
  /** Default CDB_ALLOWED_SIGNERS, then readiness/allowed_signers (readiness/trustRoot.ts writerAllowedSigners). */
  allowedSignersFile?: string;
  /** The clock records and keys are judged by (tests). */
  now?: Date;
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

/**
 * The stack's configDigest, or "pending" while its config lacks operator
 * settings (MEXC key, pinned images): paper evidence can be collected from
 * day one, before live is configured; it counts once `bindEvidence` binds it.
 */
function digestOrPending(stack: string, stackConfig?: string): { digest: string; missing?: string[] } {
  try {
    return { digest: configDigest(stackPlan(stack, stackConfig).plan) };
  } catch (e) {
    if (!(e instanceof IncompleteStackConfig)) throw e;
    return { digest: PENDING_DIGEST, missing: e.missing.map((m) => m.key) };
  }
}

export function initEvidence(req: { stack: string; file: string; stackConfig?: string; force?: boolean; catalog?: Catalog }): { file: string; configDigest: string; missing?: string[] } {
  const catalog = req.catalog ?? loadCatalog();
  if (existsSync(req.file) && !req.force) throw new OpsRefused(`${req.file} exists; pass --force to replace it`);
  const { digest, missing } = digestOrPending(req.stack, req.stackConfig);
  const open = catalog.items.filter((i) => i.kind !== "machine");
  const doc = new Document({ version: 1, stack: req.stack, configDigest: digest, items: {} });
  doc.commentBefore = [
    ` Readiness evidence for the ${req.stack} stack (schema: readiness/evidence.schema.json).`,
    " configDigest binds it to the stack's trading settings (npx cdb digest); a change voids every entry.",
    ...(missing
      ? [
          ` configDigest is ${PENDING_DIGEST}: the stack's config lacks ${missing.join(", ")}. Nothing counts until`,
          ` \`npx cdb evidence bind --stack ${req.stack}\` binds it (it keeps only the paper measurements: ${[...PAPER_MEASURED_ITEMS].join(", ")}).`,
        ]
      : []),
    " Fill it with commands, not by hand:",
    " Every entry is signed with a key listed in readiness/allowed_signers (--key, or CDB_SIGNING_KEY):",
    "   npx cdb evidence add <id> --key <private key> [--by <handle>] --artifact <file>... [--value <n>]",
    "   npx cdb evidence approve <id> --key <second person's key>                 (two-person items)",
    "   npx cdb kill --stack paper --drill --key <key>        (then add killswitch.manual-drill --artifact <record>)",
    "   npx cdb drill allocation-zero --stack paper --key <key>   (then add killswitch.allocation-zero and killswitch.risk-blocks-zero)",
    "   npx cdb drill allocation-restart --stack paper --key <key>   (then add stability.allocation-restart)",
    "   npx cdb evidence collect --stack paper --since <time> --key <key>   (stability.paper-orders, .observation-window, .candles, .regime)",
    ` Items to prove (${open.length}): ${open.map((i) => i.id).join(", ")}`,
  ].join("\n");
  writeChecked(req.file, doc, req.stack, catalog);
  return { file: req.file, configDigest: digest, ...(missing ? { missing } : {}) };
}

/**
 * Entries that measure the paper stack (`cdb evidence collect`, `cdb kill
 * --drill`): what they prove does not depend on the live settings, so they
 * survive binding a pending file. Every other entry (attestations about
 * settings that did not exist yet) is dropped by `bindEvidence`.
 */
export const PAPER_MEASURED_ITEMS: ReadonlySet<string> = new Set([
  "stability.paper-orders",
  "stability.observation-window",
  "killswitch.manual-drill",
  // cdb drill allocation-zero / allocation-restart, cdb evidence collect's stream half
  "killswitch.allocation-zero",
  "killswitch.risk-blocks-zero",
  "stability.allocation-restart",
  "stability.candles",
  "stability.regime",
]);

/**
 * `cdb evidence bind`: a pending evidence file gets the digest of the now
 * complete config. Refused while settings are missing, and for a file that is
 * already bound (a config change voids evidence by design: never rebind).
 */
export function bindEvidence(req: { file: string; catalog?: Catalog; stack: string; stackConfig?: string }): { configDigest: string; kept: string[]; dropped: string[] } {
  const catalog = req.catalog ?? loadCatalog();
  const doc = readDoc(req.file);
  const current = doc.get("configDigest");
  if (current !== PENDING_DIGEST) throw new OpsRefused(`${req.file} is bound to configDigest ${String(current).slice(0, 12)}…: only a ${PENDING_DIGEST} file is bound; a config change voids evidence (cdb evidence init --force starts over)`);
  const { digest, missing } = digestOrPending(req.stack, req.stackConfig);
  if (missing) throw new OpsRefused(`${req.file} stays ${PENDING_DIGEST}: the stack's config still lacks ${missing.join(", ")}`);
  const items = doc.get("items") as YAMLMap | undefined;
  const ids = items && isMap(items) ? items.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key)) : [];
  const dropped = ids.filter((id) => !PAPER_MEASURED_ITEMS.has(id));
  for (const id of dropped) items!.delete(id);
  doc.set("configDigest", digest);
  writeChecked(req.file, doc, req.stack, catalog);
  return { configDigest: digest, kept: ids.filter((id) => PAPER_MEASURED_ITEMS.has(id)), dropped };
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
  /** The signer's principal; default the first principal of the key in allowed_signers. */
  by?: string;
  artifacts?: string[];
  value?: number;
  note?: string;
  at?: string;
  /** The stack's config file (default Pulumi.<stack>.yaml): its key fingerprint judges exchange check records. */
  stackConfigFile?: string;
  /** Write the entry even when its record says the item failed (collect records what it measured; the gate then says failed). */
  acceptFailed?: boolean;
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

/** The first principal allowed_signers lists for the key in `keyFile`; undefined when it lists none. */
export function principalOf(keyFile: string, allowedSignersFile?: string): string | undefined {
  const signers = loadAllowedSigners(writerAllowedSigners(allowedSignersFile));
  let fingerprint: string;
  try {
    fingerprint = publicKeyOfFile(keyFile).fingerprint;
  } catch (e) {
    if (e instanceof SshsigError) throw new UnusableInput(keyFile, e.message);
    throw e;
  }
  return signers?.signers.find((s) => s.key.fingerprint === fingerprint)?.principals[0];
}

/**
 * Signs `message` with `key` and checks, before anything is written, that the
 * gate will accept the signature: the key is in allowed_signers and `by` (when
 * given) is one of its principals. Returns the signature and the principal.
 */
function signChecked(req: EvidenceFileRequest, by: string | undefined, message: (by: string) => string): { signature: string; by: string; fingerprint: string } {
  const signers = loadAllowedSigners(writerAllowedSigners(req.allowedSignersFile));
  if (!signers) throw new OpsRefused(`no allowed_signers file (${req.allowedSignersFile ?? "readiness/allowed_signers"}): add your public key there first`);
  let signature: string;
  let principal = by;
  try {
    if (principal === undefined) {
      // The key file names its public key (in clear even when encrypted): find its principal.
      const fingerprint = publicKeyOfFile(req.key).fingerprint;
      const line = signers.signers.find((s) => s.key.fingerprint === fingerprint);
      if (!line) throw new OpsRefused(`the key ${req.key} (${fingerprint}) is not in ${signers.file}`);
      principal = line.principals[0]!;
    }
    signature = signWithKeyFile(req.key, message(principal));
  } catch (e) {
    if (e instanceof SshsigError) throw new UnusableInput(req.key, e.message);
    throw e;
  }
  // The key judged now, as the gate will judge it: a revoked key is refused whatever time the entry names.
  const ok = verifySignedBy(signers, signature, message(principal), { principal, now: req.now ?? new Date() });
  if (!ok.ok) throw new OpsRefused(ok.problem);
  return { signature, by: principal, fingerprint: ok.fingerprint };
}

/** The stack's cdb:mexcKeyFingerprint, for records about a key; none when its config file has none. */
function keyOf(stack: string, configFile?: string): { keyFingerprint?: string } {
  const fp = liveKeyFingerprint(configFile ?? stackConfigFile(stack));
  return fp !== undefined ? { keyFingerprint: fp } : {};
}

/** Writes (or replaces) the entry `id`, signed with `key`; a replaced entry loses its approval. */
export function addEvidence(req: AddRequest): EvidenceEntry {
  const catalog = req.catalog ?? loadCatalog();
  const doc = readDoc(req.file);
  const stack = stackOf(doc, req.file);
  const configDigest = doc.get("configDigest");
  if (typeof configDigest !== "string") throw new UnusableInput(req.file, "configDigest: missing");
  const item = checkId(catalog, req.id, req.file);
  const artifacts = (req.artifacts ?? []).map((a) => artifactRef(a));
  if (item.artifact && artifacts.length === 0) throw new OpsRefused(`${req.id} needs at least one --artifact`);
  let at = req.at;
  let value = req.value;
  if (item.record) {
    // The record decides: it must count (or, for collect, at least be a valid signed record), and it gives time and value.
    const signers = loadAllowedSigners(writerAllowedSigners(req.allowedSignersFile));
    for (const a of req.artifacts ?? []) {
      const j = judgeRecord(path.resolve(a), item.record, { signers, now: req.now ?? new Date(), ...(item.maxAgeDays !== undefined ? { maxAgeDays: item.maxAgeDays } : {}), item: req.id, stack, ...keyOf(stack, req.stackConfigFile) });
      if (!j.ok && !(req.acceptFailed && j.status === "failed" && j.statement)) throw new OpsRefused(`${a}: not a ${item.record} record that counts for ${req.id}: ${j.reason}`);
      const predicate = j.statement!.predicate;
      // The record's time, not the time of typing: freshness counts from the drill or the collection.
      at ??= predicate.window.to;
      const computed = RECORD_KINDS[item.record]?.value?.(predicate, req.id);
      if (computed !== undefined) {
        if (value !== undefined && value !== computed) throw new OpsRefused(`${req.id}: --value ${value} differs from ${computed}, what the record computes`);
        value = computed;
      }
    }
  }
  if (item.threshold && value === undefined) throw new OpsRefused(`${req.id} needs --value (${thresholdText(item.threshold)})`);
  at ??= new Date().toISOString();
  const fields = (by: string): SignedFields => ({ stack, item: req.id, configDigest, at: at!, by, ...(value !== undefined ? { value } : {}), ...(artifacts.length > 0 ? { artifacts } : {}) });
  const signed = signChecked(req, req.by, (by) => authorForm(fields(by)));
  const entry: EvidenceEntry = {
    by: signed.by,
    at,
    ...(value !== undefined ? { value } : {}),
    ...(artifacts.length > 0 ? { artifacts } : {}),
    ...(req.note ? { note: req.note } : {}),
    signature: signed.signature,
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

/** Approves the entry `id` with the second person's key; the author's key cannot approve, whatever name is typed. */
export function approveEvidence(req: EvidenceFileRequest & { id: string; by?: string }): EvidenceEntry {
  const catalog = req.catalog ?? loadCatalog();
  const doc = readDoc(req.file);
  const stack = stackOf(doc, req.file);
  checkId(catalog, req.id, req.file);
  const entry = doc.getIn(["items", req.id], true);
  if (!isMap(entry)) throw new OpsRefused(`${req.id} has no entry to approve (cdb evidence add first)`);
  const e = (doc.toJS() as { configDigest: string; items: Record<string, EvidenceEntry> }).items[req.id]!;
  if (!e.signature) throw new OpsRefused(`${req.id}: the entry is not signed; its author must sign it (cdb evidence add --key) before anyone approves`);
  const fields: SignedFields = { stack, item: req.id, configDigest: String(doc.get("configDigest")), at: e.at, by: e.by, ...(e.value !== undefined ? { value: e.value } : {}), ...(e.artifacts ? { artifacts: e.artifacts } : {}) };
  const author = verifySignedBy(loadAllowedSigners(writerAllowedSigners(req.allowedSignersFile)), e.signature, authorForm(fields), { principal: e.by, now: req.now ?? new Date() });
  if (!author.ok) throw new OpsRefused(`${req.id}: the author's signature does not hold (${author.problem}); nothing to approve`);
  const signed = signChecked(req, req.by, (by) => approverForm(fields, by, e.signature!));
  if (signed.fingerprint === author.fingerprint) {
    throw new OpsRefused(`${req.id}: ${signed.by} signs with the key that wrote the entry (${author.fingerprint}, ${e.by}): one key is one person; a second person must approve`);
  }
  entry.set("approvedBy", signed.by);
  entry.set("approvalSignature", signed.signature);
  writeChecked(req.file, doc, stack, catalog);
  return (doc.toJS() as { items: Record<string, EvidenceEntry> }).items[req.id]!;
}
