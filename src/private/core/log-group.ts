import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LogSettings } from '../settings/settings';

export interface PlatformLogGroupProps {
  readonly logGroupName: string;
  readonly encryptionKey: kms.IKey;
  readonly logs: LogSettings;
}

/** A log group as every one of the platform's is (job logs, flow logs, state machines): named, encrypted, retained as the settings say. */
export function createLogGroup(scope: Construct, id: string, props: PlatformLogGroupProps): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    logGroupName: props.logGroupName,
    retention: props.logs.retention,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.logs.removalPolicy,
  });
}
