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

/** The problems of the platform's stack against CloudFormation's limits, for `node.addValidation`. */
export function stackBudgetProblems(platform: IConstruct, jobs: readonly BudgetJob[]): string[] {
  const stack = Stack.of(platform);
  const all = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack);
  const total = cost(stack, all);
  // The template's own frame (Parameters, Outputs, Rules, Metadata): a few kB.
  const templateBytes = total.bytes + 4000;
  if (total.resources <= MAX_RESOURCES && templateBytes <= MAX_TEMPLATE_BYTES) return [];

  const inPlatform = (c: IConstruct) => c.node.scopes.includes(platform);
  const platformCost = cost(stack, all.filter(inPlatform));
  const perJob = jobs.filter(job => job.ownJobDefinition).map(job => {
    const ids = new Set([`JobDefinition-job-${job.name}`, `JobRole-${job.name}`, `JobDefinition-job-${job.name}ExecutionRole`]);
    const own = all.filter(c => inPlatform(c) && c.node.scopes.some(s => ids.has(s.node.id)));
    return { name: job.name, ...cost(stack, own) };
  }).sort((a, b) => b.bytes - a.bytes);
  const jobsCost = perJob.reduce((sum, j) => ({ resources: sum.resources + j.resources, bytes: sum.bytes + j.bytes }), { resources: 0, bytes: 0 });
  const shown = perJob.slice(0, 5).map(j => `'${j.name}' ${j.resources} resources, ${kb(j.bytes)}`).join('; ');
  const over = [
    total.resources > MAX_RESOURCES ? `${total.resources} resources (CloudFormation allows ${MAX_RESOURCES})` : undefined,
    templateBytes > MAX_TEMPLATE_BYTES ? `a template of about ${kb(templateBytes)} (CloudFormation allows 1,000 kB)` : undefined,
  ].filter(Boolean).join(' and ');
  return [
    `stack '${stack.stackName}' has ${over}. The platform '${platform.node.path}' accounts for ${platformCost.resources} resources and ${kb(platformCost.bytes)}; `
    + `${perJob.length} workflow jobs have a job definition of their own (secrets, dataAccess or image) and cost ${jobsCost.resources} resources and ${kb(jobsCost.bytes)} of that`
    + (perJob.length > 0 ? ` (largest: ${shown})` : '')
    + '; a job without secrets, dataAccess or image shares its tier\'s job definition and costs no resource. '
    + 'Give fewer jobs secrets, dataAccess or an image of their own, move other resources out of this stack, or split the workflow over two platforms in two stacks',
  ];
}
