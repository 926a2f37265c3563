// The macro-factor models: series ids, series metadata, observations and vintages.
import { assertEquals } from "../testing/assert.ts";
import { ValidationError } from "./errors.ts";
import {
  parseMacroKey,
  parseMacroObservation,
  parseMacroSeries,
  parseMacroVintage,
} from "./macro.ts";

const refusal = (fn: () => unknown): ValidationError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error("accepted");
};

Deno.test("parseMacroKey() upper-cases FRED ids and refuses anything else naming the field", () => {
  assertEquals(["dgs10", "T10Y2Y", " cpiaucsl", "BAMLH0A0HYM2"].map((k) => parseMacroKey(k)), [
    "DGS10",
    "T10Y2Y",
    "CPIAUCSL",
    "BAMLH0A0HYM2",
  ]);
  for (const bad of ["", "DGS 10", "a/b", "x".repeat(65), 10, null, undefined]) {
    const e = refusal(() => parseMacroKey(bad, "keys[2]"));
    assertEquals([e.code, e.field, e.value], ["MDS_VALIDATION", "keys[2]", bad]);
  }
});

Deno.test("parseMacroSeries() keeps absent metadata as null and lower-cases the vendor", () => {
  assertEquals(parseMacroSeries("gdp"), {
    key: "GDP",
    title: null,
    units: null,
    frequency: null,
    vendor: "fred",
  });
  assertEquals(
    parseMacroSeries("GDP", { title: " Gross Domestic Product ", units: "", vendor: "ALFRED" }),
    { key: "GDP", title: "Gross Domestic Product", units: null, frequency: null, vendor: "alfred" },
  );
  assertEquals(
    refusal(() => parseMacroSeries("GDP", { title: 5 as unknown as string })).field,
    "title",
  );
  assertEquals(refusal(() => parseMacroSeries("GDP", { vendor: "" })).field, "vendor");
  assertEquals(refusal(() => parseMacroSeries("GDP", null as unknown as object)).field, "meta");
});

Deno.test("parseMacroObservation() names the field and the row of each refusal", () => {
  const ok = { key: "dgs10", date: "2024-01-02", value: 3.95, realtime_start: "2024-01-03" };
  assertEquals(parseMacroObservation(ok), { ...ok, key: "DGS10" });
  assertEquals(parseMacroObservation({ ...ok, value: null }).value, null);
  const cases: [unknown, string][] = [
    [{ ...ok, key: "no way" }, "key"],
    [{ ...ok, date: "2024-02-30" }, "date"],
    [{ ...ok, date: undefined }, "date"],
    [{ ...ok, realtime_start: "yesterday" }, "realtime_start"],
    [{ ...ok, value: "." }, "value"],
    [{ ...ok, value: NaN }, "value"],
    [{ ...ok, value: Infinity }, "value"],
    [{ ...ok, value: undefined }, "value"],
    [{ ...ok, vintage: "2024-01-03" }, "vintage"],
    ["DGS10", ""],
  ];
  for (const [input, field] of cases) {
    const e = refusal(() => parseMacroObservation(input, 7));
    assertEquals(
      [e.kind, e.field, e.index],
      ["macro observation", field, 7],
      JSON.stringify(input),
    );
  }
});

Deno.test("parseMacroVintage() reads first, latest and a day; latest by default", () => {
  assertEquals(parseMacroVintage(undefined), "latest");
  assertEquals(parseMacroVintage("first"), "first");
  assertEquals(parseMacroVintage("2024-02-29"), "2024-02-29");
  for (const bad of ["2023-02-29", "Latest", "", 20240101]) {
    assertEquals(refusal(() => parseMacroVintage(bad)).field, "vintage");
  }
});
