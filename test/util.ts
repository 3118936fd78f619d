/**
 * Shared test helpers.
 */
import { App, CfnElement, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import { IConstruct } from 'constructs';
import { definitionOf, stateMachines } from '../scripts/lib/templates';
import { DefaultWorkflow, MemoryTier, SandersBatchPlatform, SandersBatchPlatformProps } from '../src';

/** A memory tier as a team writes one: a name, GiB of memory, vCPUs, and any other field. */
export const tier = (name: string, gib: number, vcpu: number, extra: Partial<MemoryTier> = {}): MemoryTier =>
  ({ name, memory: Size.gibibytes(gib), vcpu, ...extra });

/** A stack with one platform in it, as a consuming team would write it. */
export function platformStack(props: SandersBatchPlatformProps = {}, stackId = 'TestStack'): { stack: Stack; platform: SandersBatchPlatform } {
  const app = new App();
  const stack = new Stack(app, stackId, { env: { account: '123456789012', region: 'eu-central-1' } });
  const platform = new SandersBatchPlatform(stack, 'Platform', props);
  return { stack, platform };
}

/** The synthesized template of a stack with one platform. */
export function platformTemplate(props: SandersBatchPlatformProps = {}): Template {
  return Template.fromStack(platformStack(props).stack);
}

/**
 * The logical ID a construct's CloudFormation element (its default child, or itself) has in the template. Not
 * `Stack.getLogicalId`, which allocates from the construct path and so ignores the platform's namespaces.
 */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).resolve(element.logicalId);
}

/** The only resource of a type in the template, with its logical ID. */
/**
 * The logical IDs of the DynamoDB tables of a template that hold data: every table but the platform's own table of
 * date claims (`RunClaimTable`, one active run per date), which every platform creates.
 */
export function dataTables(template: Template): string[] {
  const tables = Object.keys(template.findResources('AWS::DynamoDB::Table'));
  const claims = tables.filter(id => /RunClaimTable[0-9A-F]{8}$/.test(id));
  if (claims.length !== 1) throw new Error(`expected the platform's table of date claims once, found ${claims.length}`);
  return tables.filter(id => !claims.includes(id));
}

export function onlyResource(template: Template, type: string): { id: string; resource: any } {
  const found = template.findResources(type);
  const ids = Object.keys(found);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return { id: ids[0], resource: found[ids[0]] };
}

/**
 * The job workflow's definition as a JSON object, with every CloudFormation token (Ref, Fn::GetAtt, ...) replaced
 * by a readable placeholder such as `${JobQueue...}`. The run workflow (ON_DEMAND_EGRESS) and the RUNNABLE watch
 * are state machines too. A large workflow's definition is an S3 asset, read from `assemblyDir` (the app's outdir).
 */
export function workflowDefinition(template: Template, assemblyDir?: string): any {
  const found = stateMachines(template.toJSON()).filter(([id]) => !/RunWorkflow|RunnableWatch|RunCleanup|Backfill/.test(id));
  if (found.length !== 1) throw new Error(`expected one job workflow, found ${found.length}`);
  return definitionOf(found[0][1], undefined, assemblyDir);
}

/**
 * What a platform with a `namePrefix` other than Sanders' must state (issue 24): its workflow and its table keys.
 * The Python app's keys, so that a test about something else keeps the table it had.
 */
export const OWN_DATA_MODEL: Pick<SandersBatchPlatformProps, 'workflow' | 'tablePartitionKey' | 'tableSortKey'> = {
  workflow: DefaultWorkflow.jobs(),
  tablePartitionKey: { name: 'customer_id', type: AttributeType.STRING },
  tableSortKey: { name: 'date', type: AttributeType.STRING },
};
