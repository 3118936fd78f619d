/**
 * The workflow's peak demand: checked against every subset of small random graphs, and on shapes whose answer
 * is known.
 */
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { WorkflowJob } from '../src';
import { synthWorkflowStack } from './sim/workflow-fixture';
import { belowPeakWarning, defaultMaxvCpus, DemandNode, peakDemand } from '../src/private/workflow/workflow-capacity';

/** maxvCpus when none is given: the workflow's peak demand, at least 64 and at most 256 (`maxvCpus`'s @default). */
const MIN_DEFAULT_VCPUS = 64;
const MAX_DEFAULT_VCPUS = 256;

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
  for (let mask = 0; mask < 2 ** nodes.length; mask++) {
    const picked = nodes.map((_, i) => i).filter(i => Math.floor(mask / 2 ** i) % 2 === 1);
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

describe('maxvCpus', () => {
  const wide = (n: number): WorkflowJob[] => [
    { name: 'split', tier: '2gb' },
    ...Array.from({ length: n }, (_, i) => ({ name: `part-${i}`, tier: '8gb', dependsOn: ['split'] })),
  ];
  const maxvCpusOf = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::Batch::ComputeEnvironment'))
    .map((r: any) => r.Properties.ComputeResources.MaxvCpus as number);
  // Every compute environment of the queue (Spot and on-demand) gets the same MaxvCpus.
  const only = (values: number[]) => [...new Set(values)];

  test('by default covers the workflow\'s peak demand (a fan-out of 100 jobs of 2 vCPUs: 200)', () => {
    expect(only(maxvCpusOf(synthWorkflowStack(wide(100))))).toEqual([200]);
    expect(only(maxvCpusOf(synthWorkflowStack(wide(3))))).toEqual([MIN_DEFAULT_VCPUS]);
    expect(only(maxvCpusOf(synthWorkflowStack(wide(140))))).toEqual([MAX_DEFAULT_VCPUS]);
  });

  test('below the peak, given or capped, gives a synth warning that says what bounds the run time', () => {
    const given = Annotations.fromStack(synthWorkflowStack(wide(100), { maxvCpus: 64 }));
    given.hasWarning('*', Match.stringLikeRegexp('maxvCpus is 64 but the workflow\'s jobs can ask for 200 vCPUs at once.*bounded below by the jobs\' total vCPU-seconds divided by 64'));
    Annotations.fromStack(synthWorkflowStack(wide(140))).hasWarning('*', Match.stringLikeRegexp('maxvCpus is 256 but .* 280 vCPUs'));
    Annotations.fromStack(synthWorkflowStack(wide(100))).hasNoWarning('*', Match.stringLikeRegexp('maxvCpus'));
  });

  test('a peak with a fraction of a vCPU is rounded up, and a peak equal to maxvCpus is not below it', () => {
    // docs/props.md, maxvCpus: "the workflow's peak demand rounded up, at least 64 and at most 256"
    expect(defaultMaxvCpus({ vcpu: 100.25, memoryMiB: 0 }, { floor: 64, cap: 256 })).toBe(101);
    expect(defaultMaxvCpus({ vcpu: 10, memoryMiB: 0 }, { floor: 64, cap: 256 })).toBe(64);
    expect(defaultMaxvCpus({ vcpu: 300, memoryMiB: 0 }, { floor: 64, cap: 256 })).toBe(256);
    // The warning is for a maxvCpus below the peak: at the peak every job that can run together does.
    expect(belowPeakWarning({ vcpu: 200, memoryMiB: 409600 }, 200)).toBeUndefined();
    expect(belowPeakWarning({ vcpu: 200.25, memoryMiB: 409600 }, 200)).toMatch(/^maxvCpus is 200 but the workflow's jobs can ask for 200.25 vCPUs at once/);
  });
});
