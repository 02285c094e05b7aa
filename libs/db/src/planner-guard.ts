/**
 * The planner guard: `SET LOCAL` (set_config(…, true), undone at commit) of the plan types a
 * queue's statements must not use, sent as one statement at the start of a transaction.
 *
 * Queue tables (the outboxes, the gateway's deliveries) take many rows and lose them again within
 * seconds. Until (auto)vacuum has analyzed and cleaned them, the planner's estimates are stale and
 * it picks a bitmap scan of the claim index, which returns every dead entry of the index and
 * visits its heap page each time, plus a sort of every due row; or a hash join over the whole
 * table for the set-wise UPDATEs. Measured (pg_stat_statements on a second cluster during the
 * lifecycle benchmark, 2026-12-06): the gateway's outbox claim took 1.36 ms per call (a bitmap scan of 20,000 deleted rows costs 0.9–1.7 ms here); a plain
 * index scan costs 0.17 ms once it has marked the dead entries (LP_DEAD, which bitmap scans never
 * set), and the deliveries claim took 8–21 ms at 4000 rows. Index scans and nested loops are the
 * right plans for these statements at any size, so their transactions say so.
 */
export const PLANNER_GUARD_SQL =
  "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true), " +
  "set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)";
