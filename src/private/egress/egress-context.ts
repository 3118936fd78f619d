/**
 * What every part of the run workflow (`egress-workflow.ts`) shares: its props, the tag of a run's egress, and a
 * small context of names, ARNs, IAM conditions and helpers for the SDK calls, made once per workflow.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { OnDemandEgressTarget } from '../network/network';
import { PlatformNames } from '../settings/names';
import { CONDITION_FAILED } from '../workflow/workflow-states';

/** The Sanders prefix's tag key (`PlatformNames.egressTag`) that marks a run's NAT gateway and Elastic IP. */
export const EGRESS_TAG = 'sanders:on-demand-egress-vpc';

export { CONDITION_FAILED };

/** Where a failure after the lock is taken goes: the teardown, with the error in `$.error`. */
export const catchToTeardown = { errors: ['States.ALL'], resultPath: '$.error' };

export interface EgressRunWorkflowProps {
  readonly names: PlatformNames;
  readonly vpc: ec2.IVpc;
  readonly target: OnDemandEgressTarget;
  readonly jobWorkflow: sfn.IStateMachine;
  /** The backfill, which the run step starts instead of the job workflow for an input `{"backfill": {...}}`. */
  readonly backfill: sfn.IStateMachine;
  /** The job workflow's date claims (run-claim.ts), which a run of one date looks at before it takes the lock. */
  readonly claimTable: dynamodb.ITable;
  /** The queue whose jobs must all have ended before egress goes. */
  readonly jobQueue: batch.IJobQueue;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export interface ScopedAwsCallProps extends tasks.CallAwsServiceProps {
  /** Conditions on the statement of the call's own action (on `iamResources`). */
  readonly conditions?: { [key: string]: unknown };
}

/** An SDK integration whose own policy statement carries conditions (CallAwsService has no option for them). */
export class ScopedAwsCall extends tasks.CallAwsService {
  constructor(scope: Construct, id: string, props: ScopedAwsCallProps) {
    super(scope, id, props);
    if (props.conditions) this.taskPolicies?.[0].addConditions(props.conditions);
  }
}

/** The parameters of an SDK call. */
type Parameters = { [key: string]: unknown };
type Ec2CallExtra = Partial<ScopedAwsCallProps>;

/** What the parts of one run workflow share. */
export interface EgressContext {
  readonly scope: Construct;
  readonly props: EgressRunWorkflowProps;
  readonly stack: Stack;
  /** The run workflow's name. */
  readonly name: string;
  /** The ARN of any execution of the run workflow itself. */
  readonly ownExecutions: string;
  readonly vpcId: string;
  /** The tags of a run's NAT gateway and Elastic IP. */
  readonly tags: { Key: string; Value: string }[];
  /** The ARNs of the private route tables, in the order of `target.privateRouteTableIds`. */
  readonly routeTableArns: string[];
  readonly publicSubnetArn: string;
  /** Any EC2 resource of a type (`ec2:<region>:<account>:<type>/*`). */
  readonly ec2Arn: (type: string) => string;
  /** Only what a run tagged for this VPC (delete, release, and routes to it). */
  readonly taggedForVpc: { [key: string]: unknown };
  /** Only when the request tags the new resource for this VPC. */
  readonly requestTaggedForVpc: { [key: string]: unknown };
  /** Retries any error of an API call. */
  readonly retryApi: (task: sfn.TaskStateBase) => sfn.TaskStateBase;
  /** A failed condition is an answer, not an outage: no retry, straight to the catch. */
  readonly retryApiButCondition: (task: sfn.TaskStateBase) => sfn.TaskStateBase;
  /** An EC2 SDK call, `RunEgress<id>`, whose state name is its ID in words. */
  readonly ec2Call: (id: string, action: string, parameters: Parameters, iamResources: string[], extra?: Ec2CallExtra) => ScopedAwsCall;
}

export function egressContext(scope: Construct, props: EgressRunWorkflowProps): EgressContext {
  const stack = Stack.of(scope);
  const name = props.names.runWorkflow;
  const ownExecutions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const vpcId = props.vpc.vpcId;
  const tagKey = props.names.egressTag;
  const tags = [{ Key: tagKey, Value: vpcId }, { Key: 'Name', Value: `${name}-egress` }];
  const routeTableArns = props.target.privateRouteTableIds.map(id => stack.formatArn({ service: 'ec2', resource: 'route-table', resourceName: id }));
  const publicSubnetArn = stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: props.target.publicSubnet.subnetId });
  const ec2Arn = (type: string) => stack.formatArn({ service: 'ec2', resource: type, resourceName: '*' });
  const taggedForVpc = { StringEquals: { [`ec2:ResourceTag/${tagKey}`]: vpcId } };
  const requestTaggedForVpc = { StringEquals: { [`aws:RequestTag/${tagKey}`]: vpcId } };
  const retryApi = (task: sfn.TaskStateBase) => task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(5), maxAttempts: 4, backoffRate: 2 });
  const retryApiButCondition = (task: sfn.TaskStateBase) => {
    task.addRetry({ errors: [CONDITION_FAILED], maxAttempts: 0 });
    return retryApi(task);
  };
  const ec2Call = (id: string, action: string, parameters: Parameters, iamResources: string[], extra: Ec2CallExtra = {}) =>
    new ScopedAwsCall(scope, `RunEgress${id}`, {
      stateName: id.replace(/([a-z])([A-Z0-9])/g, '$1 $2').replace(/\bNat\b/g, 'NAT'),
      service: 'ec2',
      action,
      parameters,
      iamResources,
      ...extra,
    });
  return {
    scope,
    props,
    stack,
    name,
    ownExecutions,
    vpcId,
    tags,
    routeTableArns,
    publicSubnetArn,
    ec2Arn,
    taggedForVpc,
    requestTaggedForVpc,
    retryApi,
    retryApiButCondition,
    ec2Call,
  };
}
