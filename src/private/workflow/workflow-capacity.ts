/**
 * The workflow's peak demand: the most vCPUs (and, separately, MiB of memory) its jobs can ask for at the same
 * time. Jobs can run together exactly when neither depends on the other, directly or not (an antichain of the
 * dependency order), and an array job's children all run together, so the peak is the heaviest antichain,
 * with each job weighing its vCPUs (memory) times its array size.
 *
 * By the weighted form of Dilworth's theorem the heaviest antichain weighs as much as the fewest chains that
 * cover each job as many times as it weighs; that cover is the total weight minus a maximum flow in the
 * bipartite graph "job u before job v" (Fulkerson's reduction). The flow is computed exactly (Dinic), so the
 * result is exact for any graph; weights are counted in quarter vCPUs, the smallest Fargate size.
 */
import { GraphNode } from './workflow-graph';
import { MemoryTier } from '../../memory-tier';

/** A workflow job with its tier, as the settings hold it. */
export interface PeakJob {
  readonly name: string;
  readonly dependsOn?: string[];
  readonly tier: Pick<MemoryTier, 'vcpu' | 'memory'>;
  readonly arraySize?: number;
}

/** A job as the peak needs it. */
export interface DemandNode extends GraphNode {
  readonly vcpu: number;
  readonly memoryMiB: number;
  readonly arraySize?: number;
}

export interface PeakDemand {
  /** The most vCPUs the jobs can hold at once. */
  readonly vcpu: number;
  /** The most memory (MiB) the jobs can hold at once. */
  readonly memoryMiB: number;
}

/** For each job, every job that must end before it starts (its ancestors), by index. */
function ancestors(nodes: GraphNode[]): Array<Set<number>> {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const memo: Array<Set<number> | undefined> = [];
  const visit = (i: number): Set<number> => {
    if (memo[i]) return memo[i]!;
    const out = new Set<number>();
    for (const d of nodes[i].dependsOn ?? []) {
      const j = index.get(d)!;
      out.add(j);
      for (const k of visit(j)) out.add(k);
    }
    memo[i] = out;
    return out;
  };
  return nodes.map((_, i) => visit(i));
}

/** Maximum flow from `s` to `t` (Dinic) in a graph given as capacity lists. */
function maxFlow(n: number, edges: Array<[number, number, number]>, s: number, t: number): number {
  const head: number[][] = Array.from({ length: n }, () => []);
  const to: number[] = [];
  const cap: number[] = [];
  for (const [u, v, c] of edges) {
    head[u].push(to.length); to.push(v); cap.push(c);
    head[v].push(to.length); to.push(u); cap.push(0);
  }
  let flow = 0;
  for (;;) {
    const level = new Array<number>(n).fill(-1);
    level[s] = 0;
    const queue = [s];
    for (let q = 0; q < queue.length; q++) {
      for (const e of head[queue[q]]) {
        if (cap[e] > 0 && level[to[e]] < 0) {
          level[to[e]] = level[queue[q]] + 1;
          queue.push(to[e]);
        }
      }
    }
    if (level[t] < 0) return flow;
    const next = new Array<number>(n).fill(0);
    const push = (u: number, limit: number): number => {
      if (u === t) return limit;
      for (; next[u] < head[u].length; next[u]++) {
        const e = head[u][next[u]];
        if (cap[e] > 0 && level[to[e]] === level[u] + 1) {
          const got = push(to[e], Math.min(limit, cap[e]));
          if (got > 0) {
            cap[e] -= got;
            // Each edge is stored next to its reverse: even index forward, the odd one after it back.
            cap[e % 2 === 0 ? e + 1 : e - 1] += got;
            return got;
          }
        }
      }
      return 0;
    };
    for (let f = push(s, Infinity); f > 0; f = push(s, Infinity)) flow += f;
  }
}

/** The weight of the heaviest antichain, for integer weights. */
export function heaviestAntichain(nodes: GraphNode[], weight: (i: number) => number): number {
  const before = ancestors(nodes);
  const n = nodes.length;
  const [s, t] = [2 * n, 2 * n + 1];
  const edges: Array<[number, number, number]> = [];
  let total = 0;
  nodes.forEach((_, v) => {
    const w = weight(v);
    total += w;
    edges.push([s, v, w], [n + v, t, w]);
    for (const u of before[v]) edges.push([u, n + v, Infinity]);
  });
  return total - maxFlow(2 * n + 2, edges, s, t);
}

/** The workflow's peak concurrent demand in vCPUs and memory. */
export function peakDemand(nodes: DemandNode[]): PeakDemand {
  const times = (i: number) => nodes[i].arraySize ?? 1;
  return {
    vcpu: heaviestAntichain(nodes, i => Math.round(nodes[i].vcpu * 4) * times(i)) / 4,
    memoryMiB: heaviestAntichain(nodes, i => Math.round(nodes[i].memoryMiB) * times(i)),
  };
}

/** The peak demand of a workflow's jobs, each on its tier's size. */
export function workflowPeak(jobs: PeakJob[]): PeakDemand {
  return peakDemand(jobs.map(job => ({
    name: job.name, dependsOn: job.dependsOn, vcpu: job.tier.vcpu, memoryMiB: job.tier.memory.toMebibytes(), arraySize: job.arraySize,
  })));
}

/** `maxvCpus` when none is given: the workflow's peak (`workflowPeak`), rounded up, within the defaults' floor and cap. */
export function defaultMaxvCpus(peak: PeakDemand, bounds: { floor: number; cap: number }): number {
  return Math.min(bounds.cap, Math.max(bounds.floor, Math.ceil(peak.vcpu)));
}

/** The synth warning when `maxvCpus` is below the workflow's peak (`workflowPeak`): what then bounds a run's time. */
export function belowPeakWarning(peak: PeakDemand, maxvCpus: number): string | undefined {
  if (peak.vcpu <= maxvCpus) return undefined;
  return `maxvCpus is ${maxvCpus} but the workflow's jobs can ask for ${peak.vcpu} vCPUs at once (${peak.memoryMiB} MiB): `
    + 'jobs that could run together then wait for capacity, so a run takes longer than its critical path; its time is then bounded '
    + `below by the jobs' total vCPU-seconds divided by ${maxvCpus}. Raise maxvCpus to ${Math.ceil(peak.vcpu)} to run at the critical path.`;
}
