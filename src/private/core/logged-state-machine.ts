import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { createLogGroup } from './log-group';
import { ManagedPolicyRole } from './managed-policy-role';
import { stateMachineLogGroupName } from '../settings/names';

export interface LoggedStateMachineProps {
  /** The state machine's name; its log group is `/aws/vendedlogs/states/<name>`. */
  readonly stateMachineName: string;
  readonly definitionBody: sfn.DefinitionBody;
  /** The definition's `${name}` placeholders and their values (a definition in S3). @default - none */
  readonly definitionSubstitutions?: { [name: string]: string };
  /** What the role is for, in the role's description. */
  readonly roleDescription: string;
  readonly comment?: string;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export interface LoggedStateMachine {
  readonly stateMachine: sfn.StateMachine;
  readonly role: ManagedPolicyRole;
}

/**
 * A state machine as every one of the platform's is: logging at level ALL with execution data into an encrypted
 * log group of its own, X-Ray tracing, and a role with customer-managed policies only (IAMNoInlinePolicy of the
 * NIST, HIPAA and PCI packs). The children are `<id>Logs`, `<id>Role` and `<id>` under `scope`.
 */
export function createLoggedStateMachine(scope: Construct, id: string, props: LoggedStateMachineProps): LoggedStateMachine {
  const logGroup = createLogGroup(scope, `${id}Logs`, {
    logGroupName: stateMachineLogGroupName(props.stateMachineName),
    encryptionKey: props.encryptionKey,
    logs: { retention: props.logRetention, removalPolicy: props.removalPolicy },
  });
  const role = new ManagedPolicyRole(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: props.roleDescription,
  });
  const stateMachine = new sfn.StateMachine(scope, id, {
    stateMachineName: props.stateMachineName,
    role,
    comment: props.comment,
    definitionBody: props.definitionBody,
    ...(props.definitionSubstitutions ? { definitionSubstitutions: props.definitionSubstitutions } : {}),
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
  });
  return { stateMachine, role };
}
