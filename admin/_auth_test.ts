import { assert, assertEquals } from "../testing/assert.ts";
import { sameSecret, TOKEN_SYNTAX } from "./_auth.ts";

Deno.test("sameSecret() tells equal tokens from different ones of any length", async () => {
  const token = "0123456789abcdef0123456789abcdef";
  assert(await sameSecret(token, token));
  assertEquals(await sameSecret(token.slice(0, -1) + "0", token), false);
  assertEquals(await sameSecret(token.slice(0, -1), token), false);
  assertEquals(await sameSecret(token + "x", token), false);
  assertEquals(await sameSecret("", token), false);
});

Deno.test("TOKEN_SYNTAX admits RFC 6750 tokens and refuses spaces and quotes", () => {
  for (const ok of ["abc", "a-b.c_d~e+f/g==", "ZmFrZS10b2tlbg=="]) {
    assert(TOKEN_SYNTAX.test(ok), ok);
  }
  for (const bad of ["", "a b", 'a"b', "a=b", "tök"]) assertEquals(TOKEN_SYNTAX.test(bad), false);
});
