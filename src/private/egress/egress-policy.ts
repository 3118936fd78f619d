/**
 * The IAM statements of the run workflow that CDK's tasks do not write themselves, and its cdk-nag
 * acknowledgements (the lock table's, and the role's wildcards).
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EgressContext } from './egress-context';
import { acknowledge, acknowledgeWildcards, HIPAA, inPacks, NIST } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';

/**
 * Starts the job workflow and waits for it. CDK's own statement for the wait names the job workflow's executions by
 * name prefix (`...:execution:<name>*`, which also matches a state machine `<name>2`); this one names exactly the
 * executions of the job workflow (`...:execution:<name>:*`).
 */
export class StartJobWorkflow extends tasks.StepFunctionsStartExecution {
  constructor(scope: Construct, id: string, props: tasks.StepFunctionsStartExecutionProps & { readonly stateMachine: sfn.IStateMachine }) {
    super(scope, id, props);
    const policies = this.taskPolicies as iam.PolicyStatement[] | undefined;
    const i = policies?.findIndex(p => p.actions.includes('states:DescribeExecution')) ?? -1;
    if (!policies || i < 0) throw new Error('internal: the StartExecution task has no DescribeExecution statement to scope');
    const stack = Stack.of(scope);
    const jobWorkflowName = stack.splitArn(props.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
    policies[i] = new iam.PolicyStatement({
      actions: policies[i].actions,
      resources: [stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${jobWorkflowName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    });
  }
}

/** The statements CreateNatGateway needs besides the one on the NAT gateway itself. */
export function createNatGatewayStatements(ctx: EgressContext): iam.PolicyStatement[] {
  const { stack, vpcId, ec2Arn, taggedForVpc } = ctx;
  return [
    // CreateNatGateway is authorized on the subnet and the address too: only the platform's first public subnet,
    // and only an address this workflow allocated (tagged for this VPC).
    new iam.PolicyStatement({ actions: ['ec2:CreateNatGateway'], resources: [ctx.publicSubnetArn] }),
    // ...and on the VPC, as the IAM service reference lists it.
    new iam.PolicyStatement({ actions: ['ec2:CreateNatGateway'], resources: [stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: vpcId })] }),
    new iam.PolicyStatement({ actions: ['ec2:CreateNatGateway'], resources: [ec2Arn('elastic-ip')], conditions: taggedForVpc }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateTags'],
      resources: [ec2Arn('natgateway'), ec2Arn('elastic-ip')],
      conditions: { StringEquals: { 'ec2:CreateAction': ['AllocateAddress', 'CreateNatGateway'], [`aws:RequestTag/${ctx.props.names.egressTag}`]: vpcId } },
    }),
  ];
}

/** The lock table keeps no data worth a backup. */
export function acknowledgeLockTable(lockTable: dynamodb.Table): void {
  const transientLock = 'It holds only the transient lock item of the run workflow (which execution currently owns the on-demand egress), never data: a lost item is re-created by the next run, and a stale one is taken over';
  acknowledge(lockTable,
    { id: 'AwsSolutions-DDB3', reason: transientLock },
    ...inPacks('DynamoDBPITREnabled', transientLock, [NIST, HIPAA]),
    ...inPacks('DynamoDBInBackupPlan', transientLock, [NIST, HIPAA]));
}

/** The lock item is encrypted with the platform key: usable only through DynamoDB. */
export function grantLockKey(ctx: EgressContext, role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    resources: [ctx.props.encryptionKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${ctx.stack.region}.amazonaws.com` } },
  }));
}

/** The wildcards of the run workflow's role, each with its reason. */
export function acknowledgeRunWorkflowWildcards(ctx: EgressContext, role: ManagedPolicyRole): void {
  const escapedName = ctx.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  acknowledgeWildcards(role, role.grantedStatements, [
    { pattern: /^Resource::\*$/, reason: 'Only for actions without resource-level permissions: ec2:DescribeNatGateways and ec2:DescribeAddresses (finding the run\'s egress by tag), batch:ListJobs (waiting until every job on the platform\'s queue has ended before egress goes), X-Ray trace writing and CloudWatch Logs vended delivery for logging at level ALL' },
    { pattern: /:(natgateway|elastic-ip)\/\*\]?$/, reason: `A NAT gateway or Elastic IP the run creates has an ID only after it exists, so they are named with a wildcard, and every action on them is conditioned on the tag ${ctx.props.names.egressTag} = the platform VPC's ID: creating and tagging them requires the request to set it (aws:RequestTag), deleting and releasing them requires them to carry it (ec2:ResourceTag); routes are limited to the private route tables (CreateRoute and ReplaceRoute take only route-table resources in the IAM service reference); ec2:CreateTags is further limited to the AllocateAddress and CreateNatGateway calls` },
    { pattern: new RegExp(`:states:.*:execution:${escapedName}:\\*$`), reason: 'Executions of the run workflow itself, whose names are given at start: it only describes the execution that owns the egress lock, to see whether that one still runs' },
    { pattern: /:states:.*:execution:.*\*$/, reason: 'Executions of the platform\'s own job workflow and backfill, named by the run workflow at start (its own execution name): the run workflow starts, watches and stops only those' },
    { pattern: /:rule\/StepFunctionsGetEventsForStepFunctionsExecutionRule$/, reason: 'The fixed EventBridge rule Step Functions uses to wait for a .sync child execution' },
  ]);
}
