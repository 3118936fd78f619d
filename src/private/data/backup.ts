import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from '../core/compliance';
import { ManagedPolicyRole } from '../core/managed-policy-role';
import { pathWithoutNamespaces, uniqueIdOfPath } from '../core/namespace';
import { DEFAULTS } from '../settings/defaults';

export interface TableBackupProps {
  readonly table: dynamodb.ITable;
  readonly encryptionKey: kms.IKey;
  /** How long a daily backup is kept. */
  readonly retention: Duration;
}

/**
 * A daily AWS Backup plan for the table, into a vault of its own encrypted with the platform's key.
 *
 * Point-in-time recovery restores the last 35 days; the vault's backups live apart from the table, so a
 * restore is possible even after the table and its continuous backups are gone (NIST 800-53 CP-9,
 * HIPAA 164.308(a)(7), `DynamoDBInBackupPlan`). The vault is always retained: it exists only where data must survive.
 */
export function createTableBackup(scope: Construct, props: TableBackupProps): TableBackup {
  const vault = new backup.BackupVault(scope, 'BackupVault', {
    backupVaultName: vaultName(scope, 'BackupVault'),
    encryptionKey: props.encryptionKey,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const plan = new backup.BackupPlan(scope, 'BackupPlan', {
    backupVault: vault,
    backupPlanRules: [new backup.BackupPlanRule({
      ruleName: 'Daily',
      scheduleExpression: events.Schedule.cron(DEFAULTS.backupTime),
      deleteAfter: props.retention,
    })],
  });

  // The role AWS Backup uses, scoped to this table, its backups, this vault and key (instead of the
  // AWS-managed AWSBackupServiceRolePolicyForBackup, which reaches every supported resource).
  const role = new ManagedPolicyRole(scope, 'BackupRole', {
    assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
    description: "AWS Backup: backs up the platform's DynamoDB table into its vault",
  });
  grantBackupOf(role, props.table);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['backup:DescribeBackupVault', 'backup:CopyIntoBackupVault'],
    resources: [vault.backupVaultArn],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
    resources: [props.encryptionKey.keyArn],
    // Only through the services that back up the table and encrypt the vault, never directly.
    conditions: { StringEquals: { 'kms:ViaService': ['dynamodb', 'backup'].map(s => `${s}.${Stack.of(scope).region}.amazonaws.com`) } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:CreateGrant'],
    resources: [props.encryptionKey.keyArn],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  }));
  plan.addSelection('Table', {
    resources: [backup.BackupResource.fromDynamoDbTable(props.table)],
    role,
    disableDefaultBackupPolicy: true,
  });
  return { plan, role };
}

/** A table's daily backup: its plan, and the role AWS Backup uses. */
export interface TableBackup {
  readonly plan: backup.BackupPlan;
  readonly role: iam.IRole;
}

/**
 * Backs another of the platform's tables up with the same plan, vault and role: a selection of its own (`id`), so
 * the existing selection is never replaced, and statements of its own for the role, naming that table only.
 */
export function addToTableBackup(tableBackup: TableBackup, id: string, table: dynamodb.ITable): void {
  const { plan, role } = tableBackup;
  grantBackupOf(role, table);
  plan.addSelection(id, { resources: [backup.BackupResource.fromDynamoDbTable(table)], role, disableDefaultBackupPolicy: true });
}

/** What AWS Backup's role needs for one table: back it up, and describe and delete that table's backups only. */
function grantBackupOf(role: iam.IRole, table: dynamodb.ITable): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['dynamodb:DescribeTable', 'dynamodb:CreateBackup', 'dynamodb:StartAwsBackupJob', 'dynamodb:ListTagsOfResource'],
    resources: [table.tableArn],
  }));
  const backups = `${table.tableArn}/backup/*`;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeBackup', 'dynamodb:DeleteBackup'], resources: [backups] }));
  acknowledge(role, {
    id: wildcardResourceFinding(role, backups),
    reason: 'DynamoDB names each backup with an ID it assigns (table/<name>/backup/<id>); the role reaches only the backups of the platform\'s own tables, to describe them and to delete those past their retention',
  });
}

/**
 * The name aws-cdk-lib gives a vault without `backupVaultName` (the last 50 characters of the unique id of its
 * path), from the path without namespaces: the name the vault was created with, kept so it is never replaced.
 */
function vaultName(scope: Construct, id: string): string {
  const uniqueId = uniqueIdOfPath([...pathWithoutNamespaces(scope).split('/'), id]);
  return uniqueId.substring(Math.max(uniqueId.length - 50, 0));
}
