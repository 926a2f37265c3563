import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { ConfigError } from "./errors.ts";
import { storeOptionsFromEnv } from "./store_env.ts";

Deno.test("storeOptionsFromEnv() without variables is the embedded store in ./.mds, client defaults kept", () => {
  assertEquals(storeOptionsFromEnv({}), { dataDir: "./.mds" });
});

Deno.test("storeOptionsFromEnv() reads every variable and counts empty values as unset", () => {
  assertEquals(
    storeOptionsFromEnv({ MDS_DATA_DIR: "/data", MDS_LOCK_WAIT: "1.5m", MDS_MIN_FREE_MB: "128" }),
    { dataDir: "/data", lockWaitMs: 90_000, minFreeBytes: 128 * 2 ** 20 },
  );
  assertEquals(
    storeOptionsFromEnv({
      MDS_DATABASE_URL: "",
      MDS_DSN: " ",
      MDS_DATA_DIR: "",
      MDS_LOCK_WAIT: "",
      MDS_MIN_FREE_MB: "",
    }),
    { dataDir: "./.mds" },
  );
});

Deno.test("storeOptionsFromEnv() reads MDS_LOCK_WAIT as seconds or with a unit s, m, h or d", () => {
  const wait = (text: string) => storeOptionsFromEnv({ MDS_LOCK_WAIT: text }).lockWaitMs;
  assertEquals(
    ["0", "30", "30s", "0.5s", "5m", "2h", "1d"].map(wait),
    [0, 30_000, 30_000, 500, 300_000, 7_200_000, 86_400_000],
  );
  for (const bad of ["soon", "-1", "5 m", "1e3", "25h", "2d"]) {
    const err = assertThrows(() => wait(bad), ConfigError);
    assertEquals(err.option, "MDS_LOCK_WAIT", bad);
  }
});

Deno.test("storeOptionsFromEnv() reads MDS_MIN_FREE_MB as whole MiB, 0 turning the check off", () => {
  const floor = (text: string) => storeOptionsFromEnv({ MDS_MIN_FREE_MB: text }).minFreeBytes;
  assertEquals(["0", "64", "1048576"].map(floor), [0, 64 * 2 ** 20, 2 ** 40]);
  for (const bad of ["lots", "-1", "1.5", "1048577", "0x10"]) {
    const err = assertThrows(() => floor(bad), ConfigError);
    assertEquals(err.option, "MDS_MIN_FREE_MB", bad);
  }
});

Deno.test("storeOptionsFromEnv() takes MDS_DSN as an alias of MDS_DATABASE_URL; a URL replaces the data directory", () => {
  const url = "postgres://u:p@db:5432/mds";
  assertEquals(storeOptionsFromEnv({ MDS_DATABASE_URL: url, MDS_DATA_DIR: "/data" }), { url });
  assertEquals(storeOptionsFromEnv({ MDS_DSN: url }), { url });
  assertEquals(storeOptionsFromEnv({ MDS_DATABASE_URL: url, MDS_DSN: url }), { url });
  assertEquals(storeOptionsFromEnv({ MDS_DSN: url, MDS_LOCK_WAIT: "5", MDS_MIN_FREE_MB: "1" }), {
    url,
    lockWaitMs: 5_000,
    minFreeBytes: 2 ** 20,
  });
});

Deno.test("storeOptionsFromEnv() refuses two different URLs and a URL of another scheme, never quoting a password", () => {
  const both = assertThrows(
    () =>
      storeOptionsFromEnv({
        MDS_DATABASE_URL: "postgres://u:hunter2@a/x",
        MDS_DSN: "postgres://u:hunter3@b/x",
      }),
    ConfigError,
  );
  assertEquals([both.option, both.code], ["MDS_DSN", "MDS_CONFIG"]);
  assert(!both.message.includes("hunter"), both.message);
  for (const name of ["MDS_DATABASE_URL", "MDS_DSN"]) {
    const bad = assertThrows(
      () => storeOptionsFromEnv({ [name]: "mysql://u:hunter2@db/x" }),
      ConfigError,
    );
    assertEquals(bad.option, name);
    assert(!bad.message.includes("hunter2"), bad.message);
  }
});

Deno.test("storeOptionsFromEnv() reads PULSE_ENABLED as true or false, unset keeping the client's default (on)", () => {
  const pulse = (text: string) => storeOptionsFromEnv({ PULSE_ENABLED: text }).pulse;
  assertEquals(["true", "TRUE", "1", "false", " False ", "0", ""].map(pulse), [
    true,
    true,
    true,
    false,
    false,
    false,
    undefined,
  ]);
  assertEquals("pulse" in storeOptionsFromEnv({}), false);
  for (const bad of ["yes", "off", "2"]) {
    const err = assertThrows(() => pulse(bad), ConfigError);
    assertEquals(err.option, "PULSE_ENABLED", bad);
  }
});

Deno.test("storeOptionsFromEnv() reads the tenant from MDS_TENANT_ID or the URL's options, MDS_TENANT_ID winning", () => {
  const a = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
  const b = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a002";
  const url = `postgres://u:p@db/mds?options=-c%20app.tenant_id%3D${a}`;
  assertEquals(storeOptionsFromEnv({ MDS_DSN: url }), { url, tenant: a });
  assertEquals(storeOptionsFromEnv({ MDS_DATABASE_URL: url, MDS_TENANT_ID: b }), {
    url,
    tenant: b,
  });
  assertEquals(storeOptionsFromEnv({ MDS_TENANT_ID: ` ${b.toUpperCase()} ` }), {
    dataDir: "./.mds",
    tenant: b,
  });
  const badUrl = assertThrows(
    () =>
      storeOptionsFromEnv({ MDS_DSN: "postgres://u:s3cret@db/mds?options=-c%20app.tenant_id%3Dx" }),
    ConfigError,
  );
  assertEquals(badUrl.option, "MDS_DSN");
  assert(!badUrl.message.includes("s3cret"), badUrl.message);
  const badId = assertThrows(() => storeOptionsFromEnv({ MDS_TENANT_ID: "acme" }), ConfigError);
  assertEquals(badId.option, "MDS_TENANT_ID");
});

Deno.test("storeOptionsFromEnv() reads MDS_WRITE_MODE, the Python names included, and the row thresholds", () => {
  assertEquals(
    storeOptionsFromEnv({
      MDS_WRITE_MODE: "executemany",
      MDS_COPY_MIN_ROWS: "5000",
      MDS_VALUES_PAGE_SIZE: "1000",
      MDS_VALUES_MIN_ROWS: "500",
    }),
    { dataDir: "./.mds", writeMode: "executemany", copyMinRows: 5000, batchRows: 1000 },
  );
  for (const mode of ["auto", "insert", "copy", "values", " COPY "]) {
    assertEquals(
      storeOptionsFromEnv({ MDS_WRITE_MODE: mode }).writeMode,
      mode.trim().toLowerCase() as never,
    );
  }
  const cases: [Record<string, string>, string][] = [
    [{ MDS_WRITE_MODE: "bulk" }, "MDS_WRITE_MODE"],
    [{ MDS_COPY_MIN_ROWS: "0" }, "MDS_COPY_MIN_ROWS"],
    [{ MDS_COPY_MIN_ROWS: "5e3" }, "MDS_COPY_MIN_ROWS"],
    [{ MDS_VALUES_PAGE_SIZE: "0" }, "MDS_VALUES_PAGE_SIZE"],
    [{ MDS_VALUES_PAGE_SIZE: "1000001" }, "MDS_VALUES_PAGE_SIZE"],
    [{ MDS_VALUES_MIN_ROWS: "-1" }, "MDS_VALUES_MIN_ROWS"],
    [{ MDS_VALUES_MIN_ROWS: "many" }, "MDS_VALUES_MIN_ROWS"],
  ];
  for (const [env, name] of cases) {
    assertEquals(assertThrows(() => storeOptionsFromEnv(env), ConfigError).option, name);
  }
  // MDS_VALUES_MIN_ROWS has nothing to choose in mds: checked, then left out
  assertEquals(storeOptionsFromEnv({ MDS_VALUES_MIN_ROWS: "0" }), { dataDir: "./.mds" });
});

Deno.test("storeOptionsFromEnv() reads MDS_STRICT_TIMESTAMPS and MDS_OPTIONS_RATE, refusing bad values", () => {
  assertEquals(
    storeOptionsFromEnv({ MDS_STRICT_TIMESTAMPS: "true", MDS_OPTIONS_RATE: "0.05" }),
    { dataDir: "./.mds", strictTimestamps: true, optionsRate: 0.05 },
  );
  assertEquals(storeOptionsFromEnv({ MDS_STRICT_TIMESTAMPS: "0" }).strictTimestamps, false);
  for (
    const [env, option] of [
      [{ MDS_STRICT_TIMESTAMPS: "yes" }, "MDS_STRICT_TIMESTAMPS"],
      [{ MDS_OPTIONS_RATE: "4%" }, "MDS_OPTIONS_RATE"],
      [{ MDS_OPTIONS_RATE: "2" }, "MDS_OPTIONS_RATE"],
    ] as const
  ) {
    assertEquals(assertThrows(() => storeOptionsFromEnv(env), ConfigError).option, option);
  }
});
