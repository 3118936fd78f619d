/**
 * Data and removal checks: the settings that decide whether the data survives the stack must all say the same.
 *
 * Every pair among `dataSafety`, `removalPolicy`, `autoDeleteObjects`, `deletionProtection`, `pointInTimeRecovery`
 * and `backupPlan`, and what is done with it:
 * - `removalPolicy` SNAPSHOT: refused (S3, ECR, KMS and log groups have no snapshot).
 * - `deletionProtection` true (given, or the RETAINED default) with `removalPolicy` DESTROY: refused; CloudFormation
 *   cannot delete a protected table, so removing the stack would fail after the rest is gone.
 * - `autoDeleteObjects` true without DESTROY: refused; it would empty a bucket that is kept.
 * - `removalPolicy` DESTROY in `prod` (retained by default) without `acknowledgeDisposableProd`, and DESTROY with
 *   `dataSafety` RETAINED given: refused, saying what would be deleted.
 * - `dataSafety` DISPOSABLE in `prod` without `acknowledgeDisposableProd`: refused.
 * - `backupPlan` true with DESTROY and the platform's own key: refused; the vault is kept but the key that encrypts
 *   its backups is deleted with the stack, so the backups could never be restored.
 * - `pointInTimeRecovery` with DESTROY: accepted (DynamoDB keeps a system backup of a table deleted with point-in-time
 *   recovery on, for 35 days: DynamoDB developer guide, PointInTimeRecovery_Howitworks, "Delete a table with PITR
 *   enabled"; the message of a refused destroy names it); with `dataSafety` DISPOSABLE (on) or RETAINED (off): accepted, one setting over its
 *   default. `autoDeleteObjects` false with DESTROY: accepted with a synth warning (`removalWarning`): CloudFormation
 *   cannot delete a bucket or repository that still holds objects or images, so removing the stack stops there.
 * - Props that shape a resource the team brings instead (`deletionProtection`, `pointInTimeRecovery`, `backupPlan` with
 *   `existingTable`): refused in `existing-checks.ts`.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { DEFAULTS, PROD_ENVIRONMENT } from './defaults';
import { CheckedValues, Problems, PropsCheck } from './problems';
import type { DataSettings } from './settings';
import { DataSafety } from '../../data-safety';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';

/** SNAPSHOT, deletion protection and auto-delete against the removal policy. */
export const checkRemoval: PropsCheck = (problems, props, v) => {
  const data = v.data;
  if (data.removalPolicy === RemovalPolicy.SNAPSHOT) {
    problems.add('removalPolicy is RemovalPolicy.SNAPSHOT, which S3 buckets, ECR repositories, KMS keys and log groups do not support: use RemovalPolicy.RETAIN (keep the data) or RemovalPolicy.DESTROY');
  }
  if (props.deletionProtection === true && data.removalPolicy === RemovalPolicy.DESTROY) {
    problems.add('deletionProtection is true but removalPolicy is RemovalPolicy.DESTROY: CloudFormation cannot delete a table with deletion protection, so removing the stack would fail half-way; set removalPolicy to RemovalPolicy.RETAIN or deletionProtection to false');
  }
  if (data.autoDeleteObjects && data.removalPolicy !== RemovalPolicy.DESTROY) {
    problems.add(`autoDeleteObjects is true but removalPolicy is ${data.removalPolicy}: emptying the bucket only makes sense when it is destroyed; set removalPolicy to RemovalPolicy.DESTROY or autoDeleteObjects to false`);
  }
  const refused = checkDestroyOfRetainedData(problems, props, v);
  if (!refused && data.backupPlan && data.removalPolicy === RemovalPolicy.DESTROY && data.existingEncryptionKey === undefined) {
    problems.add(`backupPlan is true but removalPolicy is RemovalPolicy.DESTROY: the backup vault is kept, but the platform's KMS key that encrypts its backups is deleted with the stack (after ${DEFAULTS.keyPendingWindow.toDays()} days), so no backup could ever be restored; set backupPlan to false to destroy everything, or removalPolicy to RemovalPolicy.RETAIN to keep the data`);
  }
};

/** What removing the stack deletes with these settings, for a message. */
export function whatIsDestroyed(v: CheckedValues): string {
  const d = v.data;
  return [
    d.existingBucket === undefined ? `the bucket ${d.bucketName}${d.autoDeleteObjects ? ' with every object in it (autoDeleteObjects empties it first)' : ' (once it is empty)'}` : undefined,
    d.existingTable === undefined ? `the table ${d.tableName}${d.pointInTimeRecovery ? ' (only a 35-day system backup is left)' : ''}` : undefined,
    `the image repository ${d.repositoryName}${d.autoDeleteObjects ? ' with its images' : ''}`,
    d.existingEncryptionKey === undefined ? `the KMS key (after ${DEFAULTS.keyPendingWindow.toDays()} days; whatever it encrypted is unreadable then)` : undefined,
    'the log groups',
  ].filter(Boolean).join(', ');
}

/**
 * `removalPolicy` DESTROY where the data safety says the data must survive. Returns whether destroying the data at
 * all was refused (the other removal problems then follow from it and are not reported again).
 */
function checkDestroyOfRetainedData(problems: Problems, props: SandersBatchPlatformProps, v: CheckedValues): boolean {
  if (props.removalPolicy !== RemovalPolicy.DESTROY || v.dataSafety !== DataSafety.RETAINED) return false;
  const disposable = 'set dataSafety to DataSafety.DISPOSABLE (deletion protection, point-in-time recovery and the backup then default to off)';
  if (props.dataSafety === DataSafety.RETAINED) {
    problems.add(`dataSafety is DataSafety.RETAINED but removalPolicy is RemovalPolicy.DESTROY: removing the stack would delete ${whatIsDestroyed(v)}, which dataSafety says must survive; remove removalPolicy to keep the data, or ${disposable}`);
    return true;
  }
  if (v.environment === PROD_ENVIRONMENT && props.acknowledgeDisposableProd !== true) {
    problems.add(`removalPolicy is RemovalPolicy.DESTROY in environment '${PROD_ENVIRONMENT}', which keeps its data by default: removing the stack would delete ${whatIsDestroyed(v)}; remove removalPolicy to keep prod's data, or, if it really is disposable, ${disposable} and acknowledgeDisposableProd to true`);
    return true;
  }
  if (props.deletionProtection === undefined && v.data.existingTable === undefined && v.data.deletionProtection) {
    problems.add(`removalPolicy is RemovalPolicy.DESTROY but deletionProtection is true by default (dataSafety is DataSafety.RETAINED in environment '${v.environment}'): the table would get DeletionPolicy Delete and deletion protection, so removing the stack would fail on the table after the rest is deleted; ${disposable}, set deletionProtection to false as well, or remove removalPolicy to keep the data`);
  }
  return false;
}

/** A production environment whose data would go with the stack needs a word that this is meant. */
export const checkDisposableProd: PropsCheck = (problems, props, v) => {
  if (v.environment !== PROD_ENVIRONMENT || props.dataSafety !== DataSafety.DISPOSABLE || props.acknowledgeDisposableProd === true) return;
  problems.add(`dataSafety is DataSafety.DISPOSABLE in environment '${PROD_ENVIRONMENT}': the bucket, table, repository and key would be destroyed with the stack, without point-in-time recovery or backup; remove dataSafety (prod keeps its data by default), or set acknowledgeDisposableProd to true if prod's data really is disposable`);
};

/**
 * The warning for a bucket or repository set to be destroyed but not emptied: an empty one goes, one with data makes
 * removing the stack fail on it. Advice, not an error: a team may empty them itself first.
 */
export function removalWarning(data: DataSettings): string | undefined {
  if (data.removalPolicy !== RemovalPolicy.DESTROY || data.autoDeleteObjects) return undefined;
  const what = data.existingBucket === undefined ? `the bucket ${data.bucketName} and the image repository ${data.repositoryName}` : `the image repository ${data.repositoryName}`;
  return `removalPolicy is RemovalPolicy.DESTROY but autoDeleteObjects is false: CloudFormation cannot delete ${what} while they hold objects or images, `
    + 'so removing the stack would fail on them after the rest is deleted; set autoDeleteObjects to true to empty them first, or empty them yourself before removing the stack';
}
