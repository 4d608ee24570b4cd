import { WITNESS_NAMESPACE, WITNESS_PUBLIC_KEY_FILE, witnessPrincipal } from "../config/witness";
import { notFound, OpsFailure, OpsRefused, unreachable, UnusableInput } from "../platform/errors";
import { parsePublicKeyLine, publicKeyLine, SshsigError } from "../readiness/sshsig";
import { type DockerTarget, readFileIn } from "./docker";

// The witness's public key, read from its running container: it makes its key
// pair inside its own volume at first start, after the Pulumi program ran, so
// no stack output can hold it. What comes back is printed as the one
// allowed_signers line a reviewer adds (principal witness@<stack>, namespace
// cdb-witness); it is checked to be exactly one ssh-ed25519 public key first,
// and never echoed when it is not (a private key in the wrong file must not
// reach a terminal, a log or a pull request).

/** More than any ssh-ed25519 .pub line (about 100 characters plus a comment). */
const MAX_PUB_CHARS = 4096;
const ED25519 = "ssh-ed25519";

export interface WitnessKey {
  stack: string;
  container: string;
  principal: string;
  namespace: string;
  /** SHA256:… as ssh-keygen -l prints it. */
  fingerprint: string;
  /** `witness@<stack> namespaces="cdb-witness" ssh-ed25519 AAAA… <container>`: the line for readiness/allowed_signers. */
  allowedSignersLine: string;
}

/** Why a .pub file's text is not one ssh-ed25519 public key; undefined when it is. Never quotes the text. */
export function publicKeyProblem(text: string): string | undefined {
  if (text.length > MAX_PUB_CHARS) return `${text.length} characters, more than a public key (${MAX_PUB_CHARS})`;
  if (/PRIVATE KEY|openssh-key-v1/.test(text)) return "it holds a private key";
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length !== 1) return `${lines.length} lines, not one`;
  const type = lines[0]!.trim().split(/\s+/)[0] ?? "";
  if (type !== ED25519) return `not an ${ED25519} key`;
  try {
    parsePublicKeyLine(lines[0]!);
  } catch (e) {
    if (e instanceof SshsigError) return `not a valid ${ED25519} key`;
    throw e;
  }
  return undefined;
}

/** Reads and checks the witness's public key in `container` (`<prefix>witness`) on `docker`. */
export async function witnessKey(docker: DockerTarget, stack: string, container: string): Promise<WitnessKey> {
  const refused = (why: string) => new OpsRefused(`${container}:${WITNESS_PUBLIC_KEY_FILE} is not one ${ED25519} public key (${why}): nothing printed`);
  let text: string | undefined;
  try {
    // Through the Engine API's archive endpoint: no process in the container (an exec of the image's
    // node took over 10 s with the machine under load), and any image will do, FROM scratch included.
    text = await readFileIn(docker, container, WITNESS_PUBLIC_KEY_FILE, MAX_PUB_CHARS * 4);
  } catch (e) {
    if (e instanceof OpsFailure && e.kind === "notFound") {
      throw notFound(`no witness container ${container} on ${docker.host}: deploy the stack first (npx cdb deploy --stack ${stack})`);
    }
    if (e instanceof UnusableInput) throw refused(e.detail);
    throw e;
  }
  // The witness makes its key at first start; until then it is a service that is not ready (its health check waits for the same file).
  if (text === undefined || text.trim() === "") {
    throw unreachable(`${container} has no public key yet (${WITNESS_PUBLIC_KEY_FILE}): the witness makes it at its first start; wait until it is healthy (npx cdb verify --stack ${stack})`);
  }
  const problem = publicKeyProblem(text);
  if (problem !== undefined) throw refused(problem);
  const key = parsePublicKeyLine(text.trim());
  const principal = witnessPrincipal(stack);
  return {
    stack,
    container,
    principal,
    namespace: WITNESS_NAMESPACE,
    fingerprint: key.fingerprint,
    // The comment is the container's name, not the file's own comment: nothing of the container's choosing but the key goes into the reviewed file.
    allowedSignersLine: `${principal} namespaces="${WITNESS_NAMESPACE}" ${publicKeyLine(key)} ${container}`,
  };
}
