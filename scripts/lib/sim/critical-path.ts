/**
 * The critical path of a job graph: what the simulation and the benchmark compare a run's time with. Not in src/:
 * the platform itself never needs it (its state machine follows the dependencies, whatever their durations).
 */
import { GraphNode, topologicalOrder } from '../../../src/private/workflow/workflow-graph';

/**
 * The length of the longest chain of durations through the graph: the least time any schedule
 * of the graph can take.
 */
export function criticalPath(nodes: GraphNode[], duration: (name: string) => number): number {
  const finish = new Map<string, number>();
  for (const n of topologicalOrder(nodes)) {
    const start = Math.max(0, ...(n.dependsOn ?? []).map(d => finish.get(d)!));
    finish.set(n.name, start + duration(n.name));
  }
  return Math.max(0, ...finish.values());
}
