/**
 * Pure graph helpers for the workflow: order, sinks, cycles. No CDK here, so tests and the benchmark
 * can use them directly.
 */

/** The shape of a job that the graph helpers need. */
export interface GraphNode {
  readonly name: string;
  readonly dependsOn?: string[];
}

/**
 * Finds a cycle, returned as the job names along it with the first repeated at the end
 * (`['a', 'b', 'a']`), or undefined when the graph is acyclic. Assumes every dependency exists.
 */
export function findCycle(nodes: GraphNode[]): string[] | undefined {
  const deps = new Map(nodes.map(n => [n.name, n.dependsOn ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const d of deps.get(name) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };

  for (const n of nodes) {
    const c = visit(n.name);
    if (c) return c;
  }
  return undefined;
}

/**
 * Orders the jobs so that each comes after all of its dependencies (Kahn's algorithm, stable:
 * jobs that are ready at the same time keep the order in which they were declared).
 */
export function topologicalOrder<T extends GraphNode>(nodes: T[]): T[] {
  const remaining = new Map(nodes.map(n => [n.name, new Set(n.dependsOn ?? [])]));
  const out: T[] = [];
  const placed = new Set<string>();
  while (out.length < nodes.length) {
    const ready = nodes.filter(n => !placed.has(n.name) && [...remaining.get(n.name)!].every(d => placed.has(d)));
    if (ready.length === 0) throw new Error('workflow has a cycle');
    for (const n of ready) {
      out.push(n);
      placed.add(n.name);
    }
  }
  return out;
}

/** The jobs no other job depends on. */
export function sinks<T extends GraphNode>(nodes: T[]): T[] {
  const depended = new Set(nodes.flatMap(n => n.dependsOn ?? []));
  return nodes.filter(n => !depended.has(n.name));
}
