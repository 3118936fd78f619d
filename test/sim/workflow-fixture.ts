/**
 * Builds workflows through the public construct, takes the state machine definition from the synthesized
 * template and runs it against the simulated Batch.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BatchSimulator, BatchSimulatorOptions } from '../../scripts/lib/sim/batch-simulator';
import { criticalPath } from '../../scripts/lib/sim/critical-path';
import { runWorkflow, RunOptions, WorkflowRun } from '../../scripts/lib/sim/run-workflow';
import { SandersBatchPlatformProps, WorkflowJob } from '../../src';
import { platformStack, workflowDefinition } from '../util';

/** Synthesizes a platform with this workflow, as a consuming team's app would, and returns its stack. */
export function synthWorkflowStack(workflow: WorkflowJob[], props: SandersBatchPlatformProps = {}): Stack {
  return platformStack({ ...props, workflow }, 'ConsumerStack').stack;
}

/**
 * The job workflow's definition (ASL) of a platform with this workflow, synthesized, read from its template by
 * `workflowDefinition` (so by `definitionOf` of scripts/lib/templates.ts).
 */
export function synthWorkflowDefinition(workflow: WorkflowJob[], props: SandersBatchPlatformProps = {}): any {
  const stack = synthWorkflowStack(workflow, props);
  // Template.fromStack synthesizes the app into its outdir, where a large workflow's definition asset is.
  return workflowDefinition(Template.fromStack(stack), (stack.node.root as App).outdir);
}

/** Runs a definition on a fresh simulated Batch. */
export async function simulate(
  definition: any, sim: BatchSimulatorOptions = {}, run: RunOptions = {},
): Promise<{ run: WorkflowRun; sim: BatchSimulator }> {
  const simulator = new BatchSimulator(sim);
  const result = await runWorkflow(definition, simulator, run);
  return { run: result, sim: simulator };
}

/** The least time any schedule of the graph takes, with each job's scripted duration plus the start delay. */
export function criticalPathOf(workflow: WorkflowJob[], options: BatchSimulatorOptions = {}): number {
  const start = options.startDelay ?? 0;
  return criticalPath(workflow, name => (options.scripts?.[name]?.duration ?? 60) + (typeof start === 'number' ? start : start(name, 0)));
}

/**
 * Checks Batch's dependency rule on a finished simulation: every job that started did so after each of its
 * dependencies had SUCCEEDED. Returns the violations.
 */
export function dependencyViolations(workflow: WorkflowJob[], sim: BatchSimulator): string[] {
  const problems: string[] = [];
  const byName = new Map(sim.summary().map(s => [s.name, s]));
  for (const job of workflow) {
    const started = byName.get(job.name)?.startedAt;
    if (started === undefined) continue;
    for (const dep of job.dependsOn ?? []) {
      const d = byName.get(dep);
      if (!d || d.status !== 'SUCCEEDED' || d.stoppedAt === undefined || d.stoppedAt > started) {
        problems.push(`${job.name} started at ${started} before ${dep} succeeded (${d?.status} at ${d?.stoppedAt})`);
      }
    }
  }
  return problems;
}

export { capacityOf } from '../../scripts/lib/sim/capacity';
