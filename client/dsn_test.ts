import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { parseDsnTenant } from "./dsn.ts";
import { ConfigError } from "./errors.ts";

const T = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
const BASE = "postgresql://app:s3cret@db:5432/mds";

Deno.test("parseDsnTenant() takes the tenant out of options=-c app.tenant_id and drops an options left empty", () => {
  assertEquals(parseDsnTenant(`${BASE}?options=-c%20app.tenant_id%3D${T}`), {
    url: BASE,
    tenant: T,
  });
  assertEquals(parseDsnTenant(`${BASE}?sslmode=disable&options=-c%20app.tenant_id%3D${T}&x=1`), {
    url: `${BASE}?sslmode=disable&x=1`,
    tenant: T,
  });
});

Deno.test("parseDsnTenant() keeps the other -c settings and parameters, whatever the spelling of the tenant's", () => {
  const rest = "options=-c%20statement_timeout%3D5000%20-c%20search_path%3Dmds";
  for (
    const options of [
      `-c%20app.tenant_id%3D${T}%20-c%20statement_timeout%3D5000%20-c%20search_path%3Dmds`,
      `-c+statement_timeout%3D5000+-capp.tenant_id%3D${T}+-c+search_path%3Dmds`,
      `-c%20statement_timeout%3D5000%20--app.tenant-id%3D${T}%20-c%20search_path%3Dmds`,
    ]
  ) {
    assertEquals(parseDsnTenant(`${BASE}?application_name=x&options=${options}`), {
      url: `${BASE}?application_name=x&${rest}`,
      tenant: T,
    }, options);
  }
});

Deno.test("parseDsnTenant() leaves a URL without a tenant untouched, byte for byte", () => {
  for (
    const url of [
      BASE,
      `${BASE}?options=-c%20search_path%3Dmds`,
      `${BASE}?sslmode=require&options=-c+statement_timeout%3D5s`,
      "postgres://h1:5432,h2:5433/mds?target_session_attrs=read-write",
    ]
  ) assertEquals(parseDsnTenant(url), { url, tenant: undefined });
});

Deno.test("parseDsnTenant() lower-cases the tenant and refuses one that is not a UUID, naming the option and never the password", () => {
  assertEquals(parseDsnTenant(`${BASE}?options=-c%20app.tenant_id%3D${T.toUpperCase()}`).tenant, T);
  for (const bad of ["acme", "", "6f1c7a54"]) {
    const err = assertThrows(
      () => parseDsnTenant(`${BASE}?options=-c%20app.tenant_id%3D${bad}`, "MDS_DSN"),
      ConfigError,
    );
    assertEquals(err.option, "MDS_DSN");
    assert(err.message.includes("options=-c app.tenant_id"), err.message);
    assert(!err.message.includes("s3cret"), err.message);
  }
});
