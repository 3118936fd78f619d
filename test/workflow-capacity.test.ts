/**
 * The workflow's peak demand: checked against every subset of small random graphs, and on shapes whose answer
 * is known.
 */
import * as fc from 'fast-check';
import { DemandNode, peakDemand } from '../src/private/workflow/workflow-capacity';

/** The heaviest set of jobs no two of which depend on each other, by trying every subset. */
function bruteForce(nodes: DemandNode[]): number {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const reach = nodes.map(() => new Set<number>());
  const visit = (i: number, from: number) => {
    for (const d of nodes[i].dependsOn ?? []) {
      const j = index.get(d)!;
      if (!reach[from].has(j)) {
        reach[from].add(j);
        visit(j, from);
      }
    }
  };
  nodes.forEach((_, i) => visit(i, i));
  let best = 0;
  for (let mask = 0; mask < 1 << nodes.length; mask++) {
    const picked = nodes.map((_, i) => i).filter(i => mask & (1 << i));
    if (picked.some(a => picked.some(b => reach[a].has(b)))) continue;
    best = Math.max(best, picked.reduce((sum, i) => sum + nodes[i].vcpu * (nodes[i].arraySize ?? 1), 0));
  }
  return best;
}

const graphArb = fc.integer({ min: 1, max: 11 }).chain(n => fc.tuple(
  fc.tuple(...Array.from({ length: n }, (_, i) => fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: Math.min(i, 3) }))),
  fc.array(fc.constantFrom(0.25, 0.5, 1, 2, 4, 8, 16), { minLength: n, maxLength: n }),
  fc.array(fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined }), { minLength: n, maxLength: n }),
).map(([deps, vcpus, sizes]) => deps.map((d, i): DemandNode => ({
  name: `j${i}`, dependsOn: i === 0 ? [] : d.map(j => `j${j}`), vcpu: vcpus[i], memoryMiB: 2048 * vcpus[i], arraySize: sizes[i],
}))));

describe('peak demand', () => {
  test('is the heaviest set of jobs that can run together, as trying every subset finds', () => {
    fc.assert(fc.property(graphArb, nodes => {
      const expected = bruteForce(nodes);
      const peak = peakDemand(nodes);
      expect(peak.vcpu).toBe(expected);
      expect(peak.memoryMiB).toBe(expected * 2048);
    }), { numRuns: 300 });
  });

  test('a chain needs its largest job; a fan-out its widest level; an array job all its children', () => {
    const chain = Array.from({ length: 150 }, (_, i): DemandNode => ({ name: `c${i}`, dependsOn: i ? [`c${i - 1}`] : [], vcpu: i === 70 ? 8 : 1, memoryMiB: 2048 }));
    expect(peakDemand(chain).vcpu).toBe(8);
    const fan: DemandNode[] = [{ name: 'split', vcpu: 4, memoryMiB: 8192 },
      ...Array.from({ length: 149 }, (_, i): DemandNode => ({ name: `p${i}`, dependsOn: ['split'], vcpu: 0.5, memoryMiB: 1024 }))];
    expect(peakDemand(fan)).toEqual({ vcpu: 74.5, memoryMiB: 149 * 1024 });
    expect(peakDemand([{ name: 'a', vcpu: 2, memoryMiB: 4096, arraySize: 100 }, { name: 'b', vcpu: 1, memoryMiB: 2048 }]).vcpu).toBe(201);
  });
});
