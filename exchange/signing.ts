import { createHmac, timingSafeEqual } from "node:crypto";

// MEXC's signature for SIGNED endpoints: hex HMAC-SHA256, keyed with the API
// secret, of totalParams = the query string as sent (without `signature`)
// followed by the request body. The server checks the bytes it received, not a
// re-sorted copy: a client that signs its parameters in another order than it
// sends them gets 700002.

export const sign = (secret: string, totalParams: string): string => createHmac("sha256", secret).update(totalParams, "utf8").digest("hex");

/** The raw query without its `signature` parameter, and the signature it carried. */
export function splitSignature(rawQuery: string): { unsigned: string; signature?: string } {
  const parts = rawQuery === "" ? [] : rawQuery.split("&");
  const sig = parts.filter((p) => p.startsWith("signature="));
  const rest = parts.filter((p) => !p.startsWith("signature="));
  return { unsigned: rest.join("&"), ...(sig.length === 1 ? { signature: decodeURIComponent(sig[0]!.slice("signature=".length)) } : {}) };
}

/** True when `signature` is the hex HMAC of `totalParams` with `secret` (case-insensitive, constant time). */
export function signatureValid(secret: string, totalParams: string, signature: string): boolean {
  const expected = Buffer.from(sign(secret, totalParams), "utf8");
  const given = Buffer.from(signature.toLowerCase(), "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * `text` with the query of every signed request removed: ccxt names the URL
 * it called in its errors (`mexc GET https://…/account?timestamp=…&signature=…`),
 * and a signed URL replays until its recvWindow ends, names the key's
 * requests and does not belong in a terminal, a log or a record.
 */
export const withoutSignedQueries = (text: string): string => text.replace(/\?[^\s"'<>]*signature=[^\s"'<>]*/gi, "?<signed query removed>");
