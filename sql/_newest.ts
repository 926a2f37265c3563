// The newest row of each distinct combination of some columns, found in one pass: what latest
// prices, cursors and pulse events need from a write.

/**
 * Keeps, by reference, the newest row (by `time`; of two rows with the same time, the one added
 * later) of each combination of the `by` columns, in the order the combinations first appear.
 * One map level per column: no key string is built per row.
 */
export class NewestRows {
  readonly #by: readonly string[];
  readonly #time: string;
  readonly #root = new Map<unknown, unknown>();
  /** The rows kept so far. */
  readonly rows: Record<string, unknown>[] = [];

  constructor(by: readonly string[], time: string) {
    this.#by = by;
    this.#time = time;
  }

  /** Takes `row` when it is the newest of its combination so far. */
  add(row: Record<string, unknown>): void {
    const by = this.#by;
    const last = by.length - 1;
    let level = this.#root;
    for (let i = 0; i < last; i++) {
      const value = row[by[i]!];
      let next = level.get(value) as Map<unknown, unknown> | undefined;
      if (next === undefined) level.set(value, next = new Map());
      level = next;
    }
    // the leaf holds the combination's place in `rows`, where its newest row so far stands
    const leaf = row[by[last]!];
    const at = level.get(leaf) as number | undefined;
    const time = this.#time;
    if (at === undefined) level.set(leaf, this.rows.push(row) - 1);
    else if ((row[time] as Date).getTime() >= (this.rows[at]![time] as Date).getTime()) {
      this.rows[at] = row;
    }
  }
}
