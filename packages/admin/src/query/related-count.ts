/**
 * The count statement of a change-list state whose search covers related fields (see
 * `ChangeListQuery.matching`): each related search field's matches found once, as keys in a
 * materialized CTE, then the count over the admin's table, and the keys sent back in the same
 * statement for the rows statement. One statement.
 */
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Builder } from "./db.js";
import type { RowWalk } from "./dialect/index.js";
import type { ResolvedRelation } from "./resolved.js";
import { DENSE_SHARE, SAMPLE_ROWS } from "./plan.js";
import { countSql, type RowSource } from "./rows.js";

/** One related search field's condition: the rows of `rel.table` that match it (one per word and relation, in call order). */
export interface RelatedSub {
  readonly rel: ResolvedRelation;
  readonly cond: SQL;
}

/** The i-th CTE of keys, `weft_m<i>`: the keys of the related rows the i-th {@link RelatedSub} matches. */
export function keysCte(i: number): SQLWrapper {
  return sql.identifier(`weft_m${i}`);
}

/** What {@link relatedCountStatement} builds the count from. */
export interface RelatedCountParts {
  readonly src: RowSource;
  readonly subs: readonly RelatedSub[];
  /** The state's condition, its related search fields as `dialect.inCte(column, keysCte(i))`. */
  readonly where: SQL | undefined;
  /** The same with `dialect.inCte(…, true)` (see `Dialect.countByKeys`), bounded as `countSql` at `atMost`. */
  readonly many: (atMost: number | undefined) => SQL;
  /** The count's bound (`countLimit` or more), or undefined for an exact count. */
  readonly atMost: number | undefined;
  /**
   * A farther bound for a search that the sample does not find dense (see `walk`), so that a deep
   * page can choose between walking and sorting (`crossover` in plan.ts): the count then goes to
   * `far.atMost`, through the keys (after the lower bound of `outside`); one of which at least
   * `far.unlessSample` rows of the sample match (`walkedFromSample` in plan.ts) stops at `atMost`.
   * Needs `walk`.
   */
  readonly far?: { readonly atMost: number; readonly unlessSample: number };
  /**
   * The state's condition without its search, when the search is one word over related keys that
   * are unique: then each CTE's keys give a lower bound of the count (`Dialect.keysCount`); null
   * for no bound (several words: a word's related rows alone are no part of the matches).
   */
  readonly outside: SQL | undefined | null;
  /**
   * With `outside` and one CTE: the matches outside that CTE's keys (the own search fields', with
   * the state's filters; `1 = 0` for none). Without `far`, the count is then the CTE's rows
   * (`Dialect.keysCount`) plus these, where the search's `OR` read every match again (q=smith at
   * 400,000 orders: its 1,945 rows, ~2.8 ms, after the keys' count had walked their index entries in
   * ~1.6), and the statement also answers `kn`, the keys' rows, which tells the rows statement
   * whether to walk them as a branch (`pageQuery`'s `branches`).
   */
  readonly rest?: SQL;
  /**
   * Whether each CTE's keys come from trigram lookups (every related search field indexed, every
   * word long enough): where the engine computes a CTE whole (`Dialect.keysWhole`), a capped count
   * sends keys back only then. Default false.
   */
  readonly keysIndexed?: boolean;
  /** The bounded count with every word tested row by row: its sample (`RowWalk.dense`) picks the bound (`far`) and SQLite's count of a dense search (see `Dialect.countByKeys`). */
  readonly walk?: Omit<RowWalk, "dense">;
}

/**
 * The count of a state with related search fields, as one statement answering `n` (bounded by
 * `b`, `atMost` or `far`, as `countSql`: `b + 1` means "more than `b`") and `m<i>`, the JSON array
 * of each CTE's keys: always under the bound, and past it only for a CTE of at most
 * `Dialect.cappedKeys` keys (else null: a capped count sends no keys back, q=a's 48,118).
 *
 * The count runs as the CTEs' sizes choose (`Dialect.countByKeys`), after the lower bound of each
 * CTE's keys (`Dialect.keysCount`, when `outside` is given): more than `atMost` rows of one
 * related match are more than `atMost` matches, and then the count itself never runs. With `far`,
 * the sample first picks the bound: dense, that count to `atMost`; else the same through the keys
 * to `far` (q=a&p=100 stops at `countLimit`; q=ann&p=100 counts its 15,968 matches).
 *
 * @param parts - see {@link RelatedCountParts}
 * @returns the statement
 */
export function relatedCountStatement(parts: RelatedCountParts): SQL {
  const { src, subs, where, many, atMost, outside, walk, far, rest } = parts;
  const { dialect } = src;
  const db = src.db as Builder;
  // drizzle's `$with` cannot say MATERIALIZED, and without it SQLite inlines the CTE in both
  // places; a select builder inside `sql` renders in parentheses
  const withs = sql.join(subs.map((s, i) => sql`${keysCte(i)}("k") as materialized ${db.select({ k: s.rel.references }).from(s.rel.table).where(s.cond)}`), sql`, `);
  // a count past its bound sends no keys back, but for a CTE of few keys (`Dialect.cappedKeys`): the CASE runs the aggregate only when it is taken
  const agg = (i: number) => sql`(select ${dialect.jsonArrayAgg(sql`"k"`)} from ${keysCte(i)})`;
  const keep = dialect.keysWhole && parts.keysIndexed !== true ? 0 : dialect.cappedKeys;
  const overKept = (i: number) => (keep > 0 ? sql` and (select count(*) from (select 1 from ${keysCte(i)} limit ${sql.raw(String(keep + 1))}) as "weft_kc") > ${sql.raw(String(keep))}` : sql``);
  const keyColumns = sql.join(subs.map((_, i) => sql`, ${atMost === undefined ? agg(i) : sql`case when "n" > "b"${overKept(i)} then null else ${agg(i)} end`} as ${sql.identifier(`m${i}`)}`));
  const ctes = subs.map((_, i) => keysCte(i));
  // the sample; read in several places (`far`), in a CTE of its own so that it runs once
  const shared = walk !== undefined && far !== undefined && atMost !== undefined && far.atMost > atMost;
  const matched = shared ? sql`select "s" from "weft_s"` : walk?.count(SAMPLE_ROWS);
  const sampled = walk && matched && { ...walk, dense: denseSample(matched) };
  const sample = shared ? sql`, "weft_s"("s") as materialized (select (${walk.count(SAMPLE_ROWS)}))` : sql``;
  // one CTE: its keys' rows to `atMost`, counted once in a materialized CTE (an inlined one is run
  // per use) and sent back ("kn": whether the rows statement walks them as a branch)
  const keyed = atMost !== undefined && outside !== null && subs.length === 1 ? dialect.keysCount(keysCte(0), src.config.table, subs[0]!.rel.column, outside, atMost) : undefined;
  const kn = keyed ? sql`, "weft_kn"("k") as materialized (${keyed})` : sql``;
  // the count to `limit`, after the lower bound of each CTE's keys
  const countTo = (limit: number | undefined, rowWalk?: RowWalk) => {
    const counted = dialect.countByKeys(ctes, countSql(src, where, limit), () => many(limit), rowWalk);
    if (limit === undefined || outside === null) return counted;
    const bounds = keyed && limit === atMost ? [sql`select "k" from "weft_kn"`] : keyed && far && limit === far.atMost ? [sql`select "k" from "weft_kf"`] : subs.flatMap((s, i) => dialect.keysCount(keysCte(i), src.config.table, s.rel.column, outside, limit) ?? []);
    return bounds.length > 0 ? sql`case when ${sql.join(bounds.map((c) => sql`(${c}) > ${sql.raw(String(limit))}`), sql` or `)} then ${sql.raw(String(limit + 1))} else (${counted}) end` : counted;
  };
  // with `rest`: the keys' rows (counted to `limit` in `keys`, a relation of one column "k") plus
  // the matches outside them, never the search's `OR` over every match again
  const keysAndRest = (keys: SQL, limit: number) => {
    const over = sql.raw(String(limit + 1));
    return sql`select case when "k" > ${sql.raw(String(limit))} then ${over} else least("k" + (${countSql(src, rest, limit)}), ${over}) end from ${keys}`;
  };
  const withRest = keyed !== undefined && rest !== undefined;
  let counted = withRest && !shared && atMost !== undefined ? keysAndRest(sql`"weft_kn"`, atMost) : countTo(atMost, sampled);
  let bound = sql.raw(String(atMost ?? 0));
  let keyedRows = sql`(select "k" from "weft_kn")`;
  let kf = sql``;
  if (shared && far) {
    const near = sql`(${matched}) >= ${sql.raw(String(far.unlessSample))}`;
    // far: the same sum to `far.atMost` (q=ann&p=100 at 400,000 orders counted its 15,968 matches twice, keys then `OR`: 12.8 + 13.8 ms);
    // its keys' rows in a CTE of their own, which also answer "kn" (bounded as the count is): "weft_kn" is then
    // read only where the sample says near, and the keys' rows are walked once, not to `atMost` and again to `far`
    const farKeys = keyed ? dialect.keysCount(keysCte(0), src.config.table, subs[0]!.rel.column, outside ?? undefined, far.atMost) : undefined;
    if (farKeys) {
      kf = sql`, "weft_kf"("k") as materialized (${farKeys})`;
      keyedRows = sql`case when ${near} then (select "k" from "weft_kn") else (select "k" from "weft_kf") end`;
    }
    const farCount = farKeys && withRest ? keysAndRest(sql`"weft_kf"`, far.atMost) : countTo(far.atMost);
    counted = sql`case when ${near} then (${counted}) else (${farCount}) end`;
    bound = sql`case when ${near} then ${bound} else ${sql.raw(String(far.atMost))} end`;
  }
  // the count in a CTE of its own: a subquery in FROM is inlined, and its count run once per use of "n"
  return sql`with ${withs}${sample}${kn}${kf}, "weft_n"("n", "b") as materialized (select (${counted}), ${bound}) select "n", "b"${keyed ? sql`, ${keyedRows} as "kn"` : sql``}${keyColumns} from "weft_n"`;
}

/**
 * The condition that a sample says dense: at least 1 in `DENSE_SHARE` of its `SAMPLE_ROWS` rows
 * match (query/plan.ts).
 *
 * @param matched - a statement answering how many of the table's first `SAMPLE_ROWS` rows match
 * @returns the condition (`RowWalk.dense`)
 */
export function denseSample(matched: SQL): SQL {
  return sql`(${matched}) * ${sql.raw(String(DENSE_SHARE))} >= ${sql.raw(String(SAMPLE_ROWS))}`;
}

/**
 * The count and the keys of a {@link relatedCountStatement}'s row.
 *
 * @param src - the row source (its dialect reads the keys)
 * @param row - the statement's one row
 * @param count - the number of CTEs
 * @returns the count, the bound it was counted to (0 for an exact count), per CTE its keys or
 *   `undefined` when they were not sent back, and with `rest` the rows of the one CTE's keys
 *   (`keyedRows`, bounded as the count is)
 */
export function readRelatedCount(src: RowSource, row: Record<string, unknown>, count: number): { total: number; bound: number; keys: (unknown[] | undefined)[]; keyedRows: number | undefined } {
  const keys = Array.from({ length: count }, (_, i) => {
    const v = row[`m${i}`];
    return v === null || v === undefined ? undefined : src.dialect.parseKeys(v);
  });
  return { total: Number(row.n ?? 0), bound: Number(row.b ?? 0), keys, keyedRows: row.kn === undefined || row.kn === null ? undefined : Number(row.kn) };
}
