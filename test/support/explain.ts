import { type SQL, sql } from "drizzle-orm";
import type { TestContext } from "./test-context.ts";

export interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
export function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * Replays a statement the API sent under EXPLAIN with sequential scans and sorts priced out of
 * reach: the plan then shows whether an index can deliver the rows in the requested order. A
 * Sort node left in it means no index matches the ORDER BY.
 */
export async function planOf(
  ctx: TestContext,
  statement: { query: string; params: unknown[] },
): Promise<PlanNode> {
  return ctx.deps.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    await tx.execute(sql`set local enable_sort = off`);
    const result = (await tx.execute(
      sql`explain (format json) ${bindParams(statement.query, statement.params)}`,
    )) as unknown;
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<
      string,
      unknown
    >[];
    const cell = Object.values(rows[0] ?? {})[0];
    const document = (typeof cell === "string" ? JSON.parse(cell) : cell) as { Plan: PlanNode }[];
    return document[0]?.Plan as PlanNode;
  });
}

/** Rebuilds a captured `$1 … $n` statement with its parameters bound again. */
function bindParams(query: string, params: unknown[]): SQL {
  const parts = query.split(/\$(\d+)/);
  return sql.join(
    parts.map((part, index) => (index % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`)),
    sql``,
  );
}
