import { ValidationError } from "./errors.ts";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import {
  API_KEY_NAME_MAX,
  formatApiKey,
  hashApiKeySecret,
  parseApiKey,
  parseApiKeyName,
} from "./api_key.ts";

const ID = "0b3c1d5e-0000-4000-8000-00000000000a";
const secret = (fill: number) => new Uint8Array(32).fill(fill);

Deno.test("formatApiKey() and parseApiKey() round-trip every secret byte", () => {
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 8 + 3);
  const key = formatApiKey(ID.toUpperCase(), bytes);
  assertEquals(key.length, 80);
  assertEquals(key.slice(0, 37), "mds_0b3c1d5e00004000800000000000000a_");
  const parts = parseApiKey(key);
  assertEquals(parts?.id, ID);
  assertEquals([...parts!.secret], [...bytes]);
});

Deno.test("parseApiKey() answers null for every malformed key, without throwing", () => {
  const good = formatApiKey(ID, secret(0xfb));
  assert(parseApiKey(good) !== null, "positive control");
  const last = good.at(-1)!;
  const bad: unknown[] = [
    undefined,
    null,
    42,
    {},
    [good],
    "",
    "mds_",
    good.slice(0, -1),
    good + "A",
    " " + good,
    good + "\n",
    "MDS_" + good.slice(4),
    "key_" + good.slice(4),
    good.replace("mds_0b3c", "mds_0B3C"), // upper-case id
    good.replace("mds_0b3c", "mds_0g3c"), // not hex
    good.slice(0, 36) + "-" + good.slice(37), // separator
    good.slice(0, -2) + "+" + last, // base64, not base64url
    good.slice(0, -1) + "=", // padding
    // same bytes, another spelling of the last character (its two spare bits set)
    good.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1),
    "mds_" + "0".repeat(32) + "_" + "é".repeat(43),
    "x".repeat(10_000),
  ];
  for (const key of bad) assertEquals(parseApiKey(key), null, JSON.stringify(key));
});

Deno.test("hashApiKeySecret() is SHA-256 of the secret's bytes, as hex", () => {
  assertEquals(
    hashApiKeySecret(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const h = hashApiKeySecret(secret(1));
  assert(/^[0-9a-f]{64}$/.test(h));
  assert(h !== hashApiKeySecret(secret(2)));
});

Deno.test("formatApiKey() refuses an id that is not a UUID and a secret of another length", () => {
  assertEquals(assertThrows(() => formatApiKey("acme", secret(1)), ValidationError).field, "id");
  const e = assertThrows(() => formatApiKey(ID, new Uint8Array(16)), ValidationError);
  assertEquals([e.field, e.value], ["secret", "16 bytes"]);
});

Deno.test("parseApiKeyName() trims, defaults to empty and names each refusal", () => {
  assertEquals(parseApiKeyName(" feed "), "feed");
  assertEquals(parseApiKeyName(null), "");
  assertEquals(parseApiKeyName("é".repeat(API_KEY_NAME_MAX)), "é".repeat(API_KEY_NAME_MAX));
  for (const bad of [7, "tab\there", "nul\u0000", "\ud800", "x".repeat(API_KEY_NAME_MAX + 1)]) {
    const e = assertThrows(() => parseApiKeyName(bad, "--name"), ValidationError);
    assertEquals([e.kind, e.field], ["argument", "--name"], JSON.stringify(bad));
  }
});
