import { ConfigError } from "./errors.ts";
import { WRITE_MODES } from "./write_mode.ts";

/** Validates write options before any work. */
export function checkWriteOptions(mode: unknown, batchRows: unknown): void {
  if (!(WRITE_MODES as readonly unknown[]).includes(mode)) {
    throw new ConfigError("mode", mode, `must be one of ${WRITE_MODES.join(", ")}`);
  }
  if (
    !Number.isInteger(batchRows) || (batchRows as number) < 1 || (batchRows as number) > 1_000_000
  ) {
    throw new ConfigError("batchRows", batchRows, "must be a whole number from 1 to 1000000");
  }
}
