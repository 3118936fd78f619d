/**
 * Whether the platform's data may be lost with the stack, or must survive it.
 *
 * It decides the defaults of the props that keep data: `removalPolicy`, `autoDeleteObjects`,
 * `pointInTimeRecovery`, `deletionProtection`, `versioned` and `backupPlan`. Each of them can still be set on its own.
 */
export enum DataSafety {
  /**
   * The data can be rebuilt and goes with the stack: the bucket and the repository are emptied and deleted, the
   * table and the key are deleted, and there is no point-in-time recovery, deletion protection, versioning or
   * backup. For development environments.
   */
  DISPOSABLE = 'DISPOSABLE',
  /**
   * The data must survive: every resource that holds data is retained when it leaves the stack, the table has
   * point-in-time recovery, deletion protection and a daily backup, and the bucket is versioned.
   */
  RETAINED = 'RETAINED',
}
