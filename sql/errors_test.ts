// quote(): how a refused value appears in an error message.
import { assert, assertEquals } from "../testing/assert.ts";
import { quote } from "./errors.ts";

Deno.test("quote() shortens a long value to 80 characters at most", () => {
  const out = quote("a".repeat(500));
  assertEquals(out, `"${"a".repeat(76)}...`);
  assertEquals(out.length, 80);
  assertEquals(quote("a".repeat(78)), `"${"a".repeat(78)}"`);
});

Deno.test("quote() never cuts a character outside the BMP in half", () => {
  // `"x` then emoji of two UTF-16 units each: unit 76 is the first half of the 38th emoji
  const out = quote("x" + "📈".repeat(100));
  assertEquals(out, `"x${"📈".repeat(37)}...`);
  assert(out.isWellFormed(), "the shortened text holds a lone surrogate");
  for (let lead = 0; lead < 4; lead++) {
    const text = quote("y".repeat(lead) + "😀".repeat(60));
    assert(text.isWellFormed(), `a lone surrogate after ${lead} leading characters`);
    assert(text.length <= 80 && text.endsWith("..."), text);
  }
});
