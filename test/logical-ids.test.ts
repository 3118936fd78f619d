/**
 * Every logical ID of the example stacks is pinned: a refactor that moves a resource to another construct path
 * (and so to another logical ID) would make CloudFormation replace it, and a named resource cannot be replaced in
 * place. `logical-ids.json` lists every resource (with its type) and output of the dev, prod and staging examples.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stack as staging } from './integ/integ.custom-workflow';
import { dev, prod } from './integ/integ.default';

interface PinnedStack {
  readonly Resources: { [logicalId: string]: string };
  readonly Outputs: string[];
}

const PINNED: { [stackName: string]: PinnedStack } = JSON.parse(fs.readFileSync(path.join(__dirname, 'logical-ids.json'), 'utf8'));

/** The resources (logical ID to type) and outputs of a synthesized stack, in the pin's form. */
function logicalIdsOf(stack: Stack): PinnedStack {
  const template = Template.fromStack(stack).toJSON();
  const resources: { [id: string]: string } = {};
  for (const id of Object.keys(template.Resources ?? {}).sort()) resources[id] = template.Resources[id].Type;
  return { Resources: resources, Outputs: Object.keys(template.Outputs ?? {}).sort() };
}

/** What differs between a pin and a stack, one line per logical ID, empty when they agree. */
function differences(pinned: PinnedStack, actual: PinnedStack): string[] {
  const out: string[] = [];
  for (const [id, type] of Object.entries(pinned.Resources)) {
    const now = actual.Resources[id];
    if (now === undefined) out.push(`resource ${id} (${type}) is gone`);
    else if (now !== type) out.push(`resource ${id} changed type from ${type} to ${now}`);
  }
  for (const [id, type] of Object.entries(actual.Resources)) {
    if (pinned.Resources[id] === undefined) out.push(`resource ${id} (${type}) is new`);
  }
  for (const id of pinned.Outputs) if (!actual.Outputs.includes(id)) out.push(`output ${id} is gone`);
  for (const id of actual.Outputs) if (!pinned.Outputs.includes(id)) out.push(`output ${id} is new`);
  return out;
}

describe('logical IDs of the example stacks', () => {
  test('the pin covers the dev, prod and staging examples and nothing else', () => {
    const { ['//']: _comment, ...stacks } = PINNED as any;
    expect(Object.keys(stacks).sort()).toEqual([dev.stackName, prod.stackName, staging.stackName].sort());
  });

  test.each([
    ['dev', dev],
    ['prod', prod],
    ['staging (custom workflow)', staging],
  ])('every resource and output logical ID of %s is the pinned one, with the pinned type', (_name, stack) => {
    expect(differences(PINNED[stack.stackName], logicalIdsOf(stack))).toEqual([]);
  });
});

describe('the comparison', () => {
  const pinned: PinnedStack = { Resources: { A: 'AWS::S3::Bucket', B: 'AWS::SNS::Topic' }, Outputs: ['O'] };

  test('reports an ID that is gone, one that is new and one whose type changed', () => {
    const actual: PinnedStack = { Resources: { A: 'AWS::SQS::Queue', C: 'AWS::SNS::Topic' }, Outputs: ['P'] };
    expect(differences(pinned, actual)).toEqual([
      'resource A changed type from AWS::S3::Bucket to AWS::SQS::Queue',
      'resource B (AWS::SNS::Topic) is gone',
      'resource C (AWS::SNS::Topic) is new',
      'output O is gone',
      'output P is new',
    ]);
  });

  test('reports nothing for the same IDs and types', () => {
    expect(differences(pinned, { Resources: { B: 'AWS::SNS::Topic', A: 'AWS::S3::Bucket' }, Outputs: ['O'] })).toEqual([]);
  });
});
