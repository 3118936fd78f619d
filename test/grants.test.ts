/**
 * The construct's intent-level grants return what the L2 grants return: one `iam.Grant` for the whole intent.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { platformStack } from './util';

describe('grantReadData', () => {
  const { stack, platform } = platformStack({ environment: 'prod' });
  const role = new iam.Role(stack, 'Analytics', { assumedBy: new iam.AccountRootPrincipal() });
  const grant = platform.grantReadData(role);
  const statements = stack.resolve(grant.principalStatements.map(s => s.toStatementJson()));
  const resources = JSON.stringify(statements.map((s: any) => s.Resource));

  test('returns one grant that combines the bucket\'s and the table\'s', () => {
    expect(grant.success).toBe(true);
    const actions = statements.flatMap((s: any) => [].concat(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:List*', 'dynamodb:GetItem', 'dynamodb:Query']));
    expect(resources).toContain(JSON.stringify(stack.resolve(platform.bucket.bucketArn)));
    expect(resources).toContain(JSON.stringify(stack.resolve(platform.table.tableArn)));
  });

  test('the combined grant can be depended on: its statements are in the grantee\'s policy', () => {
    const dependent = new iam.Role(stack, 'Later', { assumedBy: new iam.AccountRootPrincipal() });
    grant.applyBefore(dependent);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Stack.of(role).getLogicalId(role.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['dynamodb:GetItem']) })]) },
    });
    const later = template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: Match.anyValue() } });
    const laterId = Object.keys(later).find(id => id.startsWith('Later'))!;
    expect(later[laterId].DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^AnalyticsDefaultPolicy/)]));
  });
});
