// One process per embedded store. PGlite keeps the database in one process's memory and writes
// its directory back, so two processes on one directory overwrite each other's pages and rows
// vanish while both report success. Opening a data directory therefore takes `mds.lock` in it.
//
// The protocol works the same on Deno and Node, and across them:
// - The lock is the file `mds.lock`, created exclusively (O_CREAT|O_EXCL) and holding its owner
//   as JSON (pid, host, runtime, command, start time); it is removed on release.
// - On Deno the owner also holds an exclusive `flock` on it (`Deno.FsFile.lock`), which the
//   operating system drops when the process dies, however it dies.
// - A file left by a dead owner is stale: on Deno, because its flock is free while the file names a
//   Deno owner; otherwise because the owner's pid is gone on this host, or is alive but started at
//   another time (a reused pid; Linux's /proc start time). Openers remove a stale file one at a
//   time, each holding `mds.lock.takeover` (the same format, judged the same way), and only while
//   the path still names the file judged stale; then they race to create the lock, and one wins.
// - A file of another host cannot be checked and counts as held: the error says so.
import { Buffer } from "node:buffer";
import * as fs from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { MdsError } from "@mds/sql";
import { sleep } from "./_sleep.ts";

/** The lock file's name inside a data directory. */
export const STORE_LOCK_FILE = "mds.lock";

/** Who holds an embedded store, as its lock file says. */
export interface StoreLockOwner {
  /** Process id. */
  pid: number;
  /** Host name of the machine it runs on. */
  host: string;
  /** `deno` or `node`. */
  runtime: string;
  /** Its command line, shortened to 200 characters. */
  command: string;
  /** When it took the lock, ISO 8601. */
  since: string;
  /** Linux process start time (clock ticks after boot), to tell a reused pid; null elsewhere. */
  processStart: string | null;
}

/**
 * Another process holds the embedded store. Carries the directory and, where the lock file could
 * be read, its owner.
 *
 * @example
 * ```ts
 * import { StoreLockedError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const err = new StoreLockedError("/data/.mds", undefined, 0);
 * assert.deepEqual(err.code, "MDS_STORE_LOCKED");
 * ```
 */
export class StoreLockedError extends MdsError {
  /** The data directory. */
  readonly dir: string;
  /** The owner named by the lock file, when it could be read. */
  readonly owner: StoreLockOwner | undefined;

  /**
   * Creates the error.
   *
   * @param dir The data directory.
   * @param owner The owner named by its lock file.
   * @param waitedMs How long the opener waited.
   */
  constructor(dir: string, owner: StoreLockOwner | undefined, waitedMs: number) {
    super("MDS_STORE_LOCKED", lockedMessage(dir, owner, waitedMs));
    this.dir = dir;
    this.owner = owner;
  }
}

function lockedMessage(dir: string, owner: StoreLockOwner | undefined, waitedMs: number): string {
  const who = owner === undefined
    ? "another process (its lock file is being written)"
    : `process ${owner.pid} on ${owner.host} (${
      JSON.stringify(owner.command)
    }, since ${owner.since})`;
  const waited = waitedMs > 0 ? ` after waiting ${(waitedMs / 1000).toFixed(1)} s` : "";
  const foreign = owner !== undefined && owner.host !== hostname()
    ? `; it cannot be checked from here: if that process is gone, delete ${
      JSON.stringify(join(dir, STORE_LOCK_FILE))
    }`
    : "";
  return `Embedded store ${
    JSON.stringify(dir)
  } is in use by ${who}${waited}: an embedded store serves one process at a time; wait for it to finish (lockWaitMs, mds --lock-wait 30s), stop it, or use a PostgreSQL server for concurrent use${foreign}`;
}

/** How to take the lock. */
export interface StoreLockOptions {
  /** Wait up to this long for the owner to release it; 0 fails at once. @default {0} */
  waitMs?: number | undefined;
  /** Time between tries while waiting. @default {100} */
  pollMs?: number | undefined;
  /** Stops the wait. */
  signal?: AbortSignal | undefined;
}

/** A held lock on an embedded store. */
export interface StoreLock extends AsyncDisposable {
  /** The lock file. */
  readonly path: string;
  /** What the lock file says. */
  readonly owner: StoreLockOwner;
  /** Removes the lock file and drops the lock; calling it again does nothing. */
  release(): Promise<void>;
}

/** The few `Deno` file APIs the lock uses, where the runtime is Deno. */
interface DenoFile {
  tryLock(exclusive?: boolean): Promise<boolean>;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  stat(): Promise<FileStat>;
  close(): void;
}
interface DenoLike {
  open(
    path: string,
    options: { read?: boolean; write?: boolean; createNew?: boolean },
  ): Promise<DenoFile>;
}

function denoRuntime(): DenoLike | undefined {
  const deno = (globalThis as { Deno?: DenoLike }).Deno;
  return typeof deno?.open === "function" ? deno : undefined;
}

function processStart(pid: number | "self"): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    // the command name (field 2) may hold spaces and parentheses: count from the last ")"
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null; // field 22, starttime
  } catch {
    return null;
  }
}

function currentOwner(runtime: string): StoreLockOwner {
  const command = process.argv.join(" ");
  return {
    pid: process.pid,
    host: hostname(),
    runtime,
    command: command.length > 200 ? `${command.slice(0, 197)}...` : command,
    since: new Date().toISOString(),
    processStart: processStart("self"),
  };
}

function parseOwner(text: string): StoreLockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<StoreLockOwner>;
    if (
      typeof o.pid === "number" && typeof o.host === "string" && typeof o.runtime === "string" &&
      typeof o.command === "string" && typeof o.since === "string"
    ) {
      return {
        pid: o.pid,
        host: o.host,
        runtime: o.runtime,
        command: o.command,
        since: o.since,
        processStart: typeof o.processStart === "string" ? o.processStart : null,
      };
    }
  } catch {
    // being written, or damaged: judged by its age
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM"; // exists, owned by another user
  }
}

function errno(err: unknown): string | undefined {
  if (err instanceof Error && err.name === "AlreadyExists") return "EEXIST";
  if (err instanceof Error && err.name === "NotFound") return "ENOENT";
  return (err as { code?: string }).code;
}

/** A lock file younger than this with no readable owner is being written, not abandoned. */
const WRITING_GRACE_MS = 5_000;

/** How long a new lock file's owner waits for its flock; well inside the grace above. */
const FLOCK_WAIT_MS = 1_000;

/** Takes the exclusive flock of `file` within `ms`; false when it stayed taken. */
async function flockWithin(file: DenoFile, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await file.tryLock(true)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(1);
  }
}

/** What the lock needs of a file's status, as `Deno.FsFile.stat` gives it. */
interface FileStat {
  dev: number;
  /** Null where the runtime gives none: the text alone then tells the file. */
  ino: number | null;
  mtime: Date | null;
}

/** One lock file, as found: removed only while the path still names this file with this text. */
interface FoundFile {
  dev: number;
  ino: number | null;
  text: string;
}

/** `file` is the stale file, or null when it went away meanwhile. */
type Verdict =
  | { held: true; owner: StoreLockOwner | undefined }
  | { held: false; file: FoundFile | null };

/** A lock-format file this process created and holds. */
interface Created {
  found: FoundFile;
  owner: StoreLockOwner;
  /** Closes its handle (dropping the flock), after the file is removed. */
  close(): void;
}

/**
 * Takes the exclusive lock of an embedded store's data directory (created when missing). Fails at
 * once with {@linkcode StoreLockedError} while another live process holds it, or waits up to
 * `waitMs`. A lock left by a process that died (even by SIGKILL) is taken over at once.
 *
 * @param dir The data directory.
 * @param options How long to wait.
 * @returns The held lock; release it after closing the store.
 * @throws {StoreLockedError} The store is in use by another process.
 *
 * @example
 * ```ts
 * import { acquireStoreLock, StoreLockedError } from "@mds/client";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = mkdtempSync(join(tmpdir(), "mds-"));
 * const dir = join(root, "store");
 * const lock = await acquireStoreLock(dir);
 * await assert.rejects(acquireStoreLock(dir), StoreLockedError);
 * assert.deepEqual(lock.owner.pid > 0, true);
 * await lock.release();
 * rmSync(root, { recursive: true });
 * ```
 */
export async function acquireStoreLock(
  dir: string,
  options: StoreLockOptions = {},
): Promise<StoreLock> {
  const waitMs = options.waitMs ?? 0;
  const pollMs = options.pollMs ?? 100;
  const absolute = resolve(dir);
  fs.mkdirSync(absolute, { recursive: true });
  const path = join(absolute, STORE_LOCK_FILE);
  const deno = denoRuntime();
  const started = Date.now();
  for (;;) {
    const created = await tryCreate(path, deno);
    if (created) return held(path, created);
    let verdict = await judge(path, deno);
    if (!verdict.held) {
      if (verdict.file === null) continue;
      // another live opener is taking the stale lock over: it is about to hold the store
      const taker = await takeOver(path, deno);
      if (taker === undefined) continue;
      verdict = taker;
    }
    const waited = Date.now() - started;
    if (waited >= waitMs || options.signal?.aborted) {
      throw new StoreLockedError(absolute, verdict.owner, waited);
    }
    // an abort ends the wait; the next turn of the loop reports the lock as held
    await sleep(Math.max(1, Math.min(pollMs, waitMs - waited)), options.signal).catch(() => {});
  }
}

function held(path: string, created: Created): StoreLock {
  let released = false;
  const release = (): Promise<void> => {
    if (released) return Promise.resolve();
    released = true;
    removeIfSame(path, created.found);
    created.close(); // after the removal: while the file is there, its flock is held
    return Promise.resolve();
  };
  return { path, owner: created.owner, release, [Symbol.asyncDispose]: release };
}

/**
 * Creates `path` exclusively and writes this process as its owner, through the handle that
 * created it (never by path: the path may name another file by then). Undefined when it exists.
 */
async function tryCreate(path: string, deno: DenoLike | undefined): Promise<Created | undefined> {
  const owner = currentOwner(deno ? "deno" : "node");
  const text = JSON.stringify(owner);
  const bytes = new TextEncoder().encode(text);
  if (deno) {
    let file: DenoFile;
    try {
      file = await deno.open(path, { read: true, write: true, createNew: true });
    } catch (err) {
      if (errno(err) === "EEXIST") return undefined;
      throw err;
    }
    try {
      // Only an opener judging the file can hold the flock of one created a moment ago, and
      // only for a moment (it probes and closes): wait for it rather than try once. Holding no
      // flock, this lock would look stale to the next opener. Until the owner is written,
      // openers see the file young and unreadable, and leave it alone.
      if (!await flockWithin(file, FLOCK_WAIT_MS)) {
        // a prober stopped mid-probe: give this file up (young and empty, nobody else removes
        // it) and create another, whose flock that prober does not hold
        const { dev, ino } = await file.stat();
        removeIfSame(path, { dev, ino, text: "" });
        file.close();
        return undefined;
      }
      for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
      const { dev, ino } = await file.stat();
      return { found: { dev, ino, text }, owner, close: () => file.close() };
    } catch (err) {
      file.close();
      throw err;
    }
  }
  let fd: number;
  try {
    fd = fs.openSync(path, "wx");
  } catch (err) {
    if (errno(err) === "EEXIST") return undefined;
    throw err;
  }
  try {
    fs.writeFileSync(fd, bytes);
    const { dev, ino } = fs.fstatSync(fd);
    return { found: { dev, ino, text }, owner, close: () => {} };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the lock file at `path` through one handle and judges whether its owner still holds it. */
async function judge(path: string, deno: DenoLike | undefined): Promise<Verdict> {
  let found: FoundFile;
  let modified: number; // of the file read, not of whatever the path names by now
  let flockFree: boolean | undefined;
  try {
    if (deno) {
      const file = await deno.open(path, { read: true });
      try {
        const { dev, ino, mtime } = await file.stat();
        found = { dev, ino, text: await readAll(file) };
        modified = mtime?.getTime() ?? 0;
        flockFree = await file.tryLock(true);
      } finally {
        file.close(); // closing drops the flock we may have taken
      }
    } else {
      const fd = fs.openSync(path, "r");
      try {
        const { dev, ino, mtimeMs } = fs.fstatSync(fd);
        found = { dev, ino, text: fs.readFileSync(fd, "utf8") };
        modified = mtimeMs;
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch (err) {
    if (errno(err) === "ENOENT") return { held: false, file: null }; // released meanwhile: retry
    throw err;
  }
  const owner = parseOwner(found.text);
  if (flockFree === false) return { held: true, owner };
  if (owner === undefined) {
    const young = Date.now() - modified < WRITING_GRACE_MS;
    return young ? { held: true, owner } : { held: false, file: found };
  }
  if (owner.runtime === "deno" && flockFree) return { held: false, file: found };
  if (owner.host !== hostname()) return { held: true, owner };
  if (!pidAlive(owner.pid)) return { held: false, file: found };
  const now = owner.processStart === null ? null : processStart(owner.pid);
  if (now !== null && now !== owner.processStart) {
    return { held: false, file: found }; // the pid was reused by another process
  }
  return { held: true, owner };
}

async function readAll(file: DenoFile): Promise<string> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const chunk = new Uint8Array(4096);
    const n = await file.read(chunk);
    if (n === null) break;
    chunks.push(chunk.subarray(0, n));
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Removes a stale lock file. Openers racing over one stale file take turns through a second lock
 * file, `mds.lock.takeover`, of the same format (so a taker that dies is judged like an owner
 * that dies): its holder judges `mds.lock` again and removes it only while it is still stale.
 * Without the turns, an opener that judged the stale file a moment ago could remove the new lock
 * a faster opener has just created in its place. Nobody else removes a file judged stale, and an
 * owner removes only its own, so the file judged is the file removed. Then every opener tries to
 * create the lock again; one wins. While a live opener has the turn, the others count the store
 * as held by it (it is about to hold it): the taker is returned.
 */
async function takeOver(
  path: string,
  deno: DenoLike | undefined,
): Promise<{ held: true; owner: StoreLockOwner | undefined } | undefined> {
  const turnPath = `${path}.takeover`;
  const turn = await tryCreate(turnPath, deno);
  if (turn === undefined) {
    const taker = await judge(turnPath, deno);
    if (taker.held) return taker;
    if (taker.file !== null) removeIfSame(turnPath, taker.file); // the taker died in its turn
    return undefined;
  }
  try {
    const verdict = await judge(path, deno);
    if (!verdict.held && verdict.file !== null) removeIfSame(path, verdict.file);
    return undefined;
  } finally {
    removeIfSame(turnPath, turn.found);
    turn.close();
  }
}

/** Removes `path` if it still names the file found, with the text found. */
function removeIfSame(path: string, found: FoundFile): void {
  try {
    const now = fs.lstatSync(path);
    if (now.dev !== found.dev || (found.ino !== null && now.ino !== found.ino)) return;
    if (fs.readFileSync(path, "utf8") !== found.text) return;
    fs.unlinkSync(path);
  } catch (err) {
    if (errno(err) !== "ENOENT") throw err;
  }
}
