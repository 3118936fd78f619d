import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PlatformNames } from '../settings/names';

/** The KMS-encrypted topic told about failed runs, failed jobs and alarms, with the grants its publishers need. */
export function createAlarmTopic(scope: Construct, names: PlatformNames, encryptionKey: kms.IKey): sns.Topic {
  const stack = Stack.of(scope);
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    topicName: names.alarmTopic,
    displayName: `Batch platform alerts (${names.environment})`,
    masterKey: encryptionKey,
    enforceSSL: true,
  });
  // An encrypted topic: the services that publish to it need the key. EventBridge publishes with a role of the
  // platform's (the monitoring part's AlertPublishRole), which has CDK's grant on the key.
  encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
  }));
  // The topic policy the EventBridge targets add replaces SNS's default one, so alarms need their own grant.
  topic.addToResourcePolicy(new iam.PolicyStatement({
    actions: ['sns:Publish'],
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    resources: [topic.topicArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
    },
  }));
  return topic;
}
