// The tenant a connection URL may carry, the way the Python system it replaces accepted it:
// `?options=-c%20app.tenant_id%3D<uuid>`. mds takes it as the client's default tenant and never
// sends it to the server, where it would become a session setting of every pooled connection.
import { parseTenantId } from "@mds/sql";
import { ConfigError } from "./errors.ts";

/** A connection URL with the tenant it carried taken out; see {@linkcode parseDsnTenant}. */
export interface DsnTenant {
  /** The URL without the tenant setting; the same text when it carried none. */
  url: string;
  /** The tenant UUID of `options=-c app.tenant_id=<uuid>`, or `undefined` without one. */
  tenant: string | undefined;
}

const TENANT_SETTING = "app.tenant_id";

/**
 * Takes the tenant out of a connection URL's `options` parameter, `-c app.tenant_id=<uuid>`
 * (URL-encoded: `options=-c%20app.tenant_id%3D<uuid>`; also `-capp.tenant_id=` and
 * `--app.tenant_id=`). The other settings of `options` and the other parameters are kept as they
 * are; an `options` left empty is dropped. The client uses the tenant as its default tenant
 * (an explicit `tenant` option wins) and connects with the URL without it, so no tenant state
 * rides on a pooled connection: the tenant is set per unit of work.
 *
 * @param url A `postgres://` or `postgresql://` URL.
 * @param option The option or variable the URL came from, for errors. @default {"url"}
 * @returns The URL without the tenant setting, and the tenant.
 * @throws {ConfigError} Naming `option` when the URL's `app.tenant_id` is not a UUID (the error
 *   quotes the tenant only, never the URL and its password).
 *
 * @example
 * ```ts
 * import { ConfigError, parseDsnTenant } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const dsn = "postgresql://app:pw@db:5432/mds?options=-c%20app.tenant_id%3D6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001%20-c%20search_path%3Dmds";
 * assert.deepEqual(parseDsnTenant(dsn), {
 *   url: "postgresql://app:pw@db:5432/mds?options=-c%20search_path%3Dmds",
 *   tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",
 * });
 * assert.deepEqual(parseDsnTenant("postgres://db/mds"), { url: "postgres://db/mds", tenant: undefined });
 * assert.throws(
 *   () => parseDsnTenant("postgres://app:pw@db/mds?options=-c%20app.tenant_id%3Dacme", "MDS_DSN"),
 *   (err) => err instanceof ConfigError && err.option === "MDS_DSN" && !err.message.includes("pw"),
 * );
 * ```
 */
export function parseDsnTenant(url: string, option: string = "url"): DsnTenant {
  const q = url.indexOf("?");
  if (q < 0) return { url, tenant: undefined };
  const hash = url.indexOf("#", q);
  const end = hash < 0 ? url.length : hash;
  let tenant: string | undefined;
  const kept: string[] = [];
  for (const pair of url.slice(q + 1, end).split("&")) {
    const eq = pair.indexOf("=");
    if (decode(eq < 0 ? pair : pair.slice(0, eq)) !== "options") {
      kept.push(pair);
      continue;
    }
    const split = splitOptions(decode(eq < 0 ? "" : pair.slice(eq + 1)));
    if (split.tenant === undefined) {
      kept.push(pair);
      continue;
    }
    tenant = split.tenant;
    if (split.rest !== "") kept.push(`options=${encodeURIComponent(split.rest)}`);
  }
  if (tenant === undefined) return { url, tenant };
  try {
    tenant = parseTenantId(tenant.trim(), "tenant");
  } catch (err) {
    throw Object.assign(
      new ConfigError(
        option,
        tenant,
        `its "options=-c ${TENANT_SETTING}=<uuid>" must hold a tenant UUID`,
      ),
      { cause: err },
    );
  }
  const query = kept.filter((p) => p !== "").join("&");
  return { url: url.slice(0, q) + (query === "" ? "" : `?${query}`) + url.slice(end), tenant };
}

/** Percent-decodes a query component as `URLSearchParams` does (`+` is a space), leniently. */
function decode(text: string): string {
  const spaced = text.replaceAll("+", " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * Splits PostgreSQL command-line options (whitespace-separated, a backslash escaping the next
 * character) into the tenant setting, the last one winning, and the rest, kept verbatim.
 */
function splitOptions(value: string): { tenant: string | undefined; rest: string } {
  const tokens = value.match(/(?:\\.|[^\s\\])+/g) ?? [];
  const rest: string[] = [];
  let tenant: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let setting: string | undefined;
    let span = 1;
    if (token === "-c" && i + 1 < tokens.length) {
      setting = tokens[i + 1]!;
      span = 2;
    } else if (token.startsWith("-c") && token.length > 2) setting = token.slice(2);
    else if (token.startsWith("--")) setting = token.slice(2);
    if (setting !== undefined) {
      const plain = setting.replace(/\\(.)/g, "$1");
      const eq = plain.indexOf("=");
      // PostgreSQL reads `-` in an option's name as `_`
      const name = (eq < 0 ? plain : plain.slice(0, eq)).toLowerCase().replaceAll("-", "_");
      if (name === TENANT_SETTING) {
        tenant = eq < 0 ? "" : plain.slice(eq + 1);
        i += span - 1;
        continue;
      }
    }
    rest.push(...tokens.slice(i, i + span));
    i += span - 1;
  }
  return { tenant, rest: rest.join(" ") };
}
