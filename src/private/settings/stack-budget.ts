/**
 * The stack's CloudFormation budget: at most 500 resources and a 1 MB template
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). Checked at synth,
 * once the whole stack exists (resources can be added after the platform), and reported as a budget: what the
 * platform and each of its jobs cost and what to change, instead of CDK's bare resource count or a deploy that
 * CloudFormation refuses.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

export const MAX_RESOURCES = 500;
export const MAX_TEMPLATE_BYTES = 1_000_000;

interface Cost { resources: number; bytes: number }

function cost(stack: Stack, resources: CfnResource[]): Cost {
  let bytes = 0;
  for (const r of resources) {
    // The resource as it is written into the template (CfnElement's own rendering), with its logical ID.
    bytes += JSON.stringify(stack.resolve((r as any)._toCloudFormation())).length;
  }
  return { resources: resources.length, bytes };
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** A workflow job as the budget sees it: its name and whether it has a job definition of its own. */
interface BudgetJob { readonly name: string; readonly ownJobDefinition: boolean }

/** Step Functions' largest state machine definition (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). */
export const MAX_DEFINITION_BYTES = 1_048_576;

/**
 * The state machines of the platform, largest first, with the bytes each takes in the template. Their
 * definition is most of it, and the job workflow's grows with every job.
 */
function stateMachineCosts(stack: Stack, resources: CfnResource[]): Array<{ path: string; bytes: number }> {
  return resources.filter(r => r.cfnResourceType === 'AWS::StepFunctions::StateMachine')
    .map(r => ({ path: r.node.path, bytes: cost(stack, [r]).bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** The job workflow's states that do not grow with its jobs, in template bytes (measured; an upper bound). */
const WORKFLOW_FIXED_BYTES = 50_000;

/**
 * The same in deployed definition bytes: the prod definition of the braided workflow measures about 54 kB plus
 * 1.49 kB per job (`npx projen bench:workflow`). The room left for jobs counts the most it can be, the bytes per
 * job the least, so that the count is one that fits.
 */
const DEFINITION_FIXED_BYTES = { least: 50_000, most: 62_000 };

/** The job workflow's definition as the platform built it (definition-location.ts). */
export interface WorkflowDefinitionSize {
  /** Its size once CloudFormation has put in its tokens. */
  readonly deployedBytes: number;
  /** Whether it is an S3 asset (so it takes no room in the template). */
  readonly inS3: boolean;
  /** Why it cannot be deployed as it is. */
  readonly problem?: string;
}

/** What the job workflow's definition takes, per job, and how many jobs of this kind would fit. */
function definitionInS3Share(definition: WorkflowDefinitionSize, jobCount: number): string {
  const perJob = Math.max(definition.deployedBytes - DEFINITION_FIXED_BYTES.least, 1) / Math.max(jobCount, 1);
  const fit = Math.max(0, Math.floor((MAX_DEFINITION_BYTES - DEFINITION_FIXED_BYTES.most) / perJob));
  return `The job workflow's state machine definition (kept in S3, not in the template) takes ${kb(definition.deployedBytes)}, `
    + `${kb(perJob)} per workflow job for ${jobCount} jobs beside up to ${kb(DEFINITION_FIXED_BYTES.most)} for its own states: about ${fit} jobs like these fit in one platform. `;
}

/** What the job workflow's state machine takes, per job, and how many jobs of this kind would fit. */
function definitionShare(templateBytes: number, workflow: { path: string; bytes: number } | undefined, jobCount: number): string {
  if (!workflow || jobCount === 0) return '';
  const perJob = workflow.bytes / jobCount;
  // Every other byte of the template stays, and so do the workflow's own states (run date, resume, watch, settle,
  // report), whatever the jobs: about 41 kB in the template for the braided workflow of test/stack-budget.test.ts,
  // counted as WORKFLOW_FIXED_BYTES so that the count is one that fits (that test synthesizes it).
  const room = Math.min(MAX_TEMPLATE_BYTES - (templateBytes - workflow.bytes), MAX_DEFINITION_BYTES) - WORKFLOW_FIXED_BYTES;
  const fit = Math.max(0, Math.floor(room / perJob));
  return `The largest state machine, '${workflow.path}', takes ${kb(workflow.bytes)} of the template, `
    + `${kb(perJob)} per workflow job for ${jobCount} jobs: about ${fit} jobs like these fit in this stack. `;
}

/** The problems of the platform's stack against CloudFormation's limits, for `node.addValidation`. */
export function stackBudgetProblems(platform: IConstruct, jobs: readonly BudgetJob[], workflow?: WorkflowDefinitionSize): string[] {
  if (workflow?.problem) return [workflow.problem];
  const stack = Stack.of(platform);
  const all = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack);
  const total = cost(stack, all);
  // The template's own frame (Parameters, Outputs, Rules, Metadata): a few kB.
  const templateBytes = total.bytes + 4000;
  const inPlatform = (c: IConstruct) => c.node.scopes.includes(platform);
  const machines = stateMachineCosts(stack, all.filter(inPlatform));
  const definitionOver = (machines.length > 0 && machines[0].bytes > MAX_DEFINITION_BYTES)
    || (workflow !== undefined && workflow.deployedBytes > MAX_DEFINITION_BYTES);
  const definitionBytes = Math.max(workflow?.deployedBytes ?? 0, machines[0]?.bytes ?? 0);
  if (total.resources <= MAX_RESOURCES && templateBytes <= MAX_TEMPLATE_BYTES && !definitionOver) return [];

  const platformCost = cost(stack, all.filter(inPlatform));
  const perJob = jobs.filter(job => job.ownJobDefinition).map(job => {
    const ids = new Set([`JobDefinition-job-${job.name}`, `JobRole-${job.name}`, `JobDefinition-job-${job.name}ExecutionRole`]);
    const own = all.filter(c => inPlatform(c) && c.node.scopes.some(s => ids.has(s.node.id)));
    return { name: job.name, ...cost(stack, own) };
  }).sort((a, b) => b.bytes - a.bytes);
  const jobsCost = perJob.reduce((sum, j) => ({ resources: sum.resources + j.resources, bytes: sum.bytes + j.bytes }), { resources: 0, bytes: 0 });
  const shown = perJob.slice(0, 5).map(j => `'${j.name}' ${j.resources} resources, ${kb(j.bytes)}`).join('; ');
  const tooBig = templateBytes > MAX_TEMPLATE_BYTES || definitionOver;
  const over = [
    total.resources > MAX_RESOURCES ? `${total.resources} resources (CloudFormation allows ${MAX_RESOURCES})` : undefined,
    templateBytes > MAX_TEMPLATE_BYTES ? `a template of about ${kb(templateBytes)} (CloudFormation allows 1,000 kB)` : undefined,
    definitionOver ? `a state machine definition of about ${kb(definitionBytes)} (Step Functions allows 1,048.6 kB)` : undefined,
  ].filter(Boolean).join(' and ');
  const ownDefinitions = perJob.length === 0 ? '' : `; ${perJob.length} workflow jobs have a job definition of their own (secrets, dataAccess or image) `
    + `and cost ${jobsCost.resources} resources and ${kb(jobsCost.bytes)} of that (largest: ${shown}); a job without secrets, dataAccess or image `
    + 'shares its tier\'s job definition and costs no resource';
  const advice = workflow?.inS3 && definitionOver && total.resources <= MAX_RESOURCES && templateBytes <= MAX_TEMPLATE_BYTES
    ? 'Split the workflow over two platforms in two stacks'
    : total.resources > MAX_RESOURCES || perJob.length > 0
      ? 'Give fewer jobs secrets, dataAccess or an image of their own, move other resources out of this stack, or split the workflow over two platforms in two stacks'
      : 'Split the workflow over two platforms in two stacks, or move other resources out of this stack';
  return [
    `stack '${stack.stackName}' has ${over}. The platform '${platform.node.path}' accounts for ${platformCost.resources} resources and ${kb(platformCost.bytes)}`
    + `${ownDefinitions}. `
    + (workflow?.inS3 && definitionOver ? definitionInS3Share(workflow, jobs.length) : tooBig ? definitionShare(templateBytes, machines[0], jobs.length) : '')
    + advice,
  ];
}
