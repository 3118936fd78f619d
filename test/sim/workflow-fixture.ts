/**
 * Builds workflows through the public construct, takes the state machine definition from the synthesized
 * template and runs it against the simulated Batch.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BatchSimulator, BatchSimulatorOptions } from './batch-simulator';
import { runWorkflow, RunOptions, WorkflowRun } from './run-workflow';
import { SandersBatchPlatformProps, WorkflowJob } from '../../src';
import { criticalPath } from '../../src/private/workflow/workflow-graph';
import { platformStack, workflowDefinition } from '../util';

/** Synthesizes a platform with this workflow, as a consuming team's app would, and returns its stack. */
export function synthWorkflowStack(workflow: WorkflowJob[], props: SandersBatchPlatformProps = {}): Stack {
  return platformStack({ ...props, workflow }, 'ConsumerStack').stack;
}

/** The state machine definition (ASL) of a platform with this workflow, from its synthesized template. */
export function definitionOf(workflow: WorkflowJob[], props: SandersBatchPlatformProps = {}): any {
  return workflowDefinition(Template.fromStack(synthWorkflowStack(workflow, props)));
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

/**
 * The capacity of a synthesized platform, as the simulated Batch needs it: the compute environment's MaxvCpus
 * and each job's vCPUs, read from its job definition in the template (the definition's placeholders name them).
 */
export function capacityOf(stack: Stack): { maxVcpus: number; vcpuOf: (request: any) => number } {
  const template = Template.fromStack(stack);
  const environments = Object.values<any>(template.findResources('AWS::Batch::ComputeEnvironment'));
  const vcpus = new Map<string, number>();
  for (const [id, def] of Object.entries<any>(template.findResources('AWS::Batch::JobDefinition'))) {
    const vcpu = (def.Properties.ContainerProperties.ResourceRequirements ?? []).find((r: any) => r.Type === 'VCPU');
    vcpus.set(`\${${id}}`, Number(vcpu.Value));
  }
  return {
    // Spot and on-demand environments of one queue each have the same MaxvCpus; the queue uses one at a time here.
    maxVcpus: Math.max(...environments.map(e => e.Properties.ComputeResources.MaxvCpus)),
    vcpuOf: request => {
      const vcpu = vcpus.get(request.JobDefinition);
      if (vcpu === undefined) throw new Error(`no job definition ${request.JobDefinition} in the template`);
      return vcpu;
    },
  };
}
