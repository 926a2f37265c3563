import { ConfigError } from "@mds/client";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { describeStore, loadConfig, passwordsOf } from "./_config.ts";

Deno.test("loadConfig() defaults to the embedded store in ./.mds on 0.0.0.0:8082", () => {
  assertEquals(loadConfig({}, "1.2.3"), {
    port: 8082,
    hostname: "0.0.0.0",
    databaseUrl: undefined,
    dataDir: "./.mds",
    lockWaitMs: 0,
    adminToken: undefined,
    timescale: "auto",
    logLevel: "info",
    version: "1.2.3",
    registryUrl: undefined,
    registryTrack: "v1",
    registryPollSeconds: 300,
  });
});

Deno.test("loadConfig() reads REGISTRY_URL, REGISTRY_TRACK and REGISTRY_POLL_SECONDS", () => {
  const config = loadConfig({
    REGISTRY_URL: "https://registry.example/api",
    REGISTRY_TRACK: "v2",
    REGISTRY_POLL_SECONDS: "60",
  }, "x");
  assertEquals(
    [config.registryUrl, config.registryTrack, config.registryPollSeconds],
    ["https://registry.example/api", "v2", 60],
  );
  for (
    const [env, option] of [
      [{ REGISTRY_URL: "ftp://u:hunter2@registry/x" }, "REGISTRY_URL"],
      [{ REGISTRY_URL: "not a url" }, "REGISTRY_URL"],
      [{ REGISTRY_TRACK: "../v1" }, "REGISTRY_TRACK"],
      [{ REGISTRY_POLL_SECONDS: "5" }, "REGISTRY_POLL_SECONDS"],
      [{ REGISTRY_POLL_SECONDS: "86401" }, "REGISTRY_POLL_SECONDS"],
      [{ REGISTRY_POLL_SECONDS: "5m" }, "REGISTRY_POLL_SECONDS"],
    ] as const
  ) {
    const err = assertThrows(() => loadConfig(env, "x"), ConfigError);
    assertEquals(err.option, option);
    assert(!err.message.includes("hunter2"), err.message);
  }
});

Deno.test("loadConfig() reads every variable, MDS_DSN as an alias, empty values as unset", () => {
  const config = loadConfig({
    PORT: "9000",
    HOST: "127.0.0.1",
    MDS_DSN: "postgres://u:p@db/mds",
    MDS_DATA_DIR: "/data",
    ADMIN_TOKEN: "",
    MDS_TIMESCALE: "off",
    MDS_LOG_LEVEL: "warn",
    MDS_VERSION: "9.9.9",
    MDS_LOCK_WAIT: "1.5m",
  }, "1.2.3");
  assertEquals(config.port, 9000);
  assertEquals(config.lockWaitMs, 90_000);
  assertEquals(config.databaseUrl, "postgres://u:p@db/mds");
  assertEquals(config.adminToken, undefined);
  assertEquals([config.timescale, config.logLevel, config.version], ["off", "warn", "9.9.9"]);
});

Deno.test("loadConfig() refuses a bad port, a bad URL and two different URLs, never quoting a password", () => {
  assertEquals(assertThrows(() => loadConfig({ PORT: "80a" }, "x"), ConfigError).option, "PORT");
  assertEquals(assertThrows(() => loadConfig({ PORT: "70000" }, "x"), ConfigError).option, "PORT");
  assertEquals(
    assertThrows(() => loadConfig({ MDS_LOCK_WAIT: "soon" }, "x"), ConfigError).option,
    "MDS_LOCK_WAIT",
  );
  const bad = assertThrows(
    () => loadConfig({ MDS_DATABASE_URL: "mysql://u:hunter2@db/x" }, "x"),
    ConfigError,
  );
  assertEquals(bad.option, "MDS_DATABASE_URL");
  assertEquals(bad.message.includes("hunter2"), false);
  const both = assertThrows(
    () =>
      loadConfig({
        MDS_DATABASE_URL: "postgres://u:hunter2@a/x",
        MDS_DSN: "postgres://u:hunter3@b/x",
      }, "x"),
    ConfigError,
  );
  assertEquals(both.option, "MDS_DSN");
  assert(!both.message.includes("hunter"), both.message);
  assertEquals(
    assertThrows(() => loadConfig({ MDS_TIMESCALE: "yes" }, "x"), ConfigError).option,
    "MDS_TIMESCALE",
  );
});

Deno.test("passwordsOf() and describeStore() keep the password out of logs", () => {
  assertEquals(passwordsOf("postgres://u:p%40ss@db/x"), ["p%40ss", "p@ss"]);
  assertEquals(passwordsOf("postgres://u@db/x"), []);
  assertEquals(passwordsOf(undefined), []);
  const config = loadConfig({ MDS_DATABASE_URL: "postgres://u:hunter2@db:5432/x" }, "x");
  assertEquals(describeStore(config), "postgres://u:***@db:5432/x");
  assertEquals(describeStore(loadConfig({}, "x")), "embedded:./.mds");
});

Deno.test("loadConfig() reads the original DATABASE_URL when no MDS_ variable names a store", () => {
  const url = "postgres://u:hunter2@db:5432/x";
  assertEquals(loadConfig({ DATABASE_URL: url }, "x").databaseUrl, url);
  assertEquals(loadConfig({ DATABASE_URL: url, MDS_DATABASE_URL: url }, "x").databaseUrl, url);
  assertEquals(
    loadConfig({ DATABASE_URL: url, MDS_DSN: "postgres://u:hunter2@db:5432/x" }, "x").databaseUrl,
    url,
  );
  for (
    const env of [
      { DATABASE_URL: url, MDS_DATABASE_URL: "postgres://u:hunter3@other/x" },
      { DATABASE_URL: "mysql://u:hunter2@db/x" },
    ]
  ) {
    const err = assertThrows(() => loadConfig(env, "x"), ConfigError);
    assertEquals(err.option, "DATABASE_URL");
    assert(!err.message.includes("hunter"), err.message);
  }
});
