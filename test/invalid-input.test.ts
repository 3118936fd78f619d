/**
 * Invalid configurations are rejected at synth, before any resource is created, with a message that names
 * the bad value and says how to fix it.
 */
import { App, CfnElement, CfnParameter, Duration, Lazy, RemovalPolicy, Size, Stack, TimeZone, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AccessLevel, DataSafety, SandersBatchPlatform, SandersBatchPlatformProps, WorkflowJob } from '../src';
import { OWN_DATA_MODEL, tier } from './util';

const job = (name: string, extra: Partial<WorkflowJob> = {}): WorkflowJob => ({ name, tier: '2gb', ...extra });
const token = (value: string) => Lazy.string({ produce: () => value });
/** A cron string as a user types it (the Python app's schedules were strings). */
const cron = (fields: string, zone?: TimeZone) => scheduler.ScheduleExpression.expression(`cron(${fields})`, zone);
/** A secret from another stack's scope: the platform's checks read only its name in the job. */
const secret = () => batch.Secret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(new Stack(new App(), 'Secrets'), 'S', 'team/key'));

/** [what is wrong, props, what the message must say] */
const CASES: Array<[string, SandersBatchPlatformProps, RegExp]> = [
  // names
  ['the environment has upper-case letters', { environment: 'Prod' }, /environment 'Prod' is not valid: use 1-16 lowercase letters/],
  ['the environment is longer than 16 characters', { environment: 'a'.repeat(17) }, /environment 'a{17}' is not valid: use 1-16 lowercase/],
  ['the environment has a hyphen', { environment: 'pre-prod' }, /environment 'pre-prod' is not valid.*e\.g\. 'dev', 'staging' or 'prod'/],
  ['the name prefix has an underscore', { namePrefix: 'team_a' }, /namePrefix 'team_a' is not valid: use 1-20 lowercase letters, digits and single hyphens/],
  ['the name prefix ends with a hyphen', { namePrefix: 'team-' }, /namePrefix 'team-' is not valid.*not ending with a hyphen/],
  ['the name prefix is longer than 20 characters', { namePrefix: 'p'.repeat(21) }, /namePrefix 'p{21}' is not valid/],
  ['the bucket name has upper-case letters', { bucketName: 'My-Bucket' }, /bucket name 'My-Bucket' is not valid: only lowercase letters.*set bucketName/],
  ['the bucket name is longer than 63 characters', { bucketName: 'b'.repeat(64) }, /bucket name 'b{64}' is not valid: it is 64 characters long \(3-63 allowed\)/],
  ['the bucket name looks like an IP address', { bucketName: '192.168.1.10' }, /bucket name '192\.168\.1\.10' is not valid: it looks like an IP address/],
  ['the bucket name has two adjacent dots', { bucketName: 'data..bucket' }, /bucket name 'data\.\.bucket' is not valid: it contains two adjacent dots/],
  ['the bucket name ends with -s3alias', { bucketName: 'data-s3alias' }, /bucket name 'data-s3alias' is not valid: it ends with '-s3alias'/],
  ['the table name has a space', { tableName: 'daily features' }, /table name 'daily features' is not valid: DynamoDB allows 3-255 letters, digits/],
  ['the table name is shorter than 3 characters', { tableName: 'ab' }, /table name 'ab' is not valid: DynamoDB allows 3-255/],
  ['the repository name has upper-case letters', { repositoryName: 'Team/Images' }, /repository name 'Team\/Images' is not valid: ECR allows 2-256 lowercase letters/],
  ['the image tag starts with a dot', { imageTag: '.latest' }, /imageTag '\.latest' is not a valid image tag: up to 128 letters/],
  ['the image tag is longer than 128 characters', { imageTag: 't'.repeat(129) }, /imageTag 't{129}' is not a valid image tag/],
  // unresolved tokens where a literal is needed
  ['the environment is an unresolved token', { environment: token('prod') }, /environment is an unresolved token \(\$\{Token\[.*\]\}\); it must be a literal known at synth time/],
  ['the bucket name is an unresolved token', { bucketName: token('b') }, /bucketName is an unresolved token .*must be a literal/],
  ['maxvCpus is an unresolved token', { maxvCpus: Token.asNumber(Lazy.number({ produce: () => 8 })) }, /maxvCpus is an unresolved token .*must be a literal/],
  ['a tier memory is an unresolved token', { memoryTiers: [{ name: '2gb', memory: Size.gibibytes(Token.asNumber(Lazy.number({ produce: () => 2 }))), vcpu: 1 }], workflow: [job('a')] },
    /memory tier '2gb' memory is an unresolved token; give a literal Size such as Size\.gibibytes\(8\)/],
  // values Fargate or Batch reject
  ['a tier has 3 GiB with 0.25 vCPU', { memoryTiers: [tier('2gb', 3, 0.25)], workflow: [job('a')] }, /memory tier '2gb' has 3072 MiB of memory with vcpu 0\.25, which Fargate rejects: with 0\.25 vCPU use 512, 1024, 2048 MiB; 3072 MiB fits vcpu 0\.5 or 1/],
  ['a tier has 3 vCPUs', { memoryTiers: [tier('2gb', 8, 3)], workflow: [job('a')] }, /memory tier '2gb' has vcpu 3, which Fargate does not offer: use one of 0\.25, 0\.5, 1, 2, 4, 8, 16/],
  ['a tier has 64 GiB with 4 vCPUs', { memoryTiers: [tier('2gb', 64, 4)], workflow: [job('a')] }, /65536 MiB of memory with vcpu 4, which Fargate rejects: with 4 vCPU use 8192-30720 MiB in steps of 1024 MiB; 65536 MiB fits vcpu 16/],
  ['a tier has 10 GiB of ephemeral storage', { memoryTiers: [tier('2gb', 2, 1, { ephemeralStorage: Size.gibibytes(10) })], workflow: [job('a')] }, /memory tier '2gb' has 10 GiB of ephemeral storage: Fargate allows a whole number of GiB from 21 to 200/],
  ['a tier needs more vCPUs than maxvCpus', { maxvCpus: 2 }, /memory tier '16gb' needs 4 vCPUs but maxvCpus is 2: raise maxvCpus/],
  ['maxvCpus is zero', { maxvCpus: 0 }, /maxvCpus 0 is not valid: give a whole number from 1 to 10000/],
  ['a job has 11 retry attempts', { workflow: [job('a', { retryAttempts: 11 })] }, /workflow job 'a' has retryAttempts 11: AWS Batch allows a whole number from 1 to 10/],
  ['a job has six retry strategies', { workflow: [job('a', { retryStrategies: Array.from({ length: 6 }, () => batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED)) })] },
    /workflow job 'a' has 6 retryStrategies: AWS Batch allows 1 to 5/],
  ['a job times out after 30 seconds', { workflow: [job('a', { timeout: Duration.seconds(30) })] }, /workflow job 'a' timeout is 30 seconds: AWS Batch needs a whole number of at least 60 seconds, e\.g\. Duration\.hours\(1\)/],
  ['a job is an array of one', { workflow: [job('a', { arraySize: 1 })] }, /workflow job 'a' has arraySize 1: AWS Batch array jobs have 2 to 10,000 children/],
  ['a job depends on 21 jobs', { workflow: [...Array.from({ length: 21 }, (_, i) => job(`j${i}`)), job('last', { dependsOn: Array.from({ length: 21 }, (_, i) => `j${i}`) })] },
    /workflow job 'last' depends on 21 jobs: AWS Batch allows at most 20; add an intermediate job/],
  // workflows
  ['the workflow is empty', { workflow: [] }, /workflow is empty: give at least one job, e\.g\. \{ name: 'daily', tier: '2gb' \}/],
  ['a job names a tier that does not exist', { workflow: [{ name: 'a', tier: '4gb' }] }, /workflow job 'a' uses tier '4gb', which does not exist: use one of '2gb', '8gb', '16gb' or add it to memoryTiers/],
  ['two jobs depend on each other', { workflow: [job('a', { dependsOn: ['b'] }), job('b', { dependsOn: ['a'] })] }, /workflow has a cycle: (a -> b -> a|b -> a -> b); remove one of these dependencies/],
  ['a job depends on itself', { workflow: [job('a', { dependsOn: ['a'] })] }, /workflow job 'a' depends on itself: remove 'a' from its dependsOn/],
  ['a job depends on a job that is not in the workflow', { workflow: [job('a', { dependsOn: ['ghost'] })] }, /workflow job 'a' depends on 'ghost', which is not a job of the workflow: use one of 'a'/],
  ['two jobs have the same name', { workflow: [job('a'), job('a')] }, /workflow job 'a' is defined twice: job names must be unique/],
  ['two job names differ only in - and _', { workflow: [job('load-data'), job('load_data')] }, /workflow jobs 'load-data' and 'load_data' differ only in '-' versus '_': rename one/],
  // Job names that would give two states one name (Step Functions wants them unique; the second would replace the first).
  ['a final job named Run beside a final job named failed (both give "Run failed")', { workflow: [job('Run'), job('failed')] }, /workflow jobs 'Run' and 'failed' both give the job workflow a state named 'Run failed': rename one/],
  ['a final job named Job (its "Job failed" is the failure report\'s state)', { workflow: [job('Job')] }, /workflow job 'Job' gives the job workflow a state named 'Job failed', a name of the workflow's own states: rename it/],
  ['a job named again that others depend on beside a final job named Lost', { workflow: [job('again'), { ...job('Lost'), dependsOn: ['again'] }] }, /workflow jobs 'Lost' and 'again' both give the job workflow a state named 'Lost again'|workflow jobs 'again' and 'Lost' both give the job workflow a state named 'Lost again'/],
  ['two job names differ only in case (Batch ListJobs matches names without case)', { workflow: [job('Load'), job('load')] }, /workflow jobs 'Load' and 'load' differ only in case: AWS Batch matches job names without case \(ListJobs\), so a run could not tell their jobs apart; rename one/],
  ['a job name has a space', { workflow: [job('load data')] }, /workflow job name 'load data' is not valid: use 1-64 letters, digits, hyphens and underscores/],
  ['a job name is longer than 64 characters', { workflow: [job('j'.repeat(65))] }, /workflow job name 'j{65}' is not valid: use 1-64/],
  ['a job sets the reserved RUN_DATE variable', { workflow: [job('a', { environment: { RUN_DATE: 'x' } })] }, /workflow job 'a' sets environment variable 'RUN_DATE', which the platform sets itself: choose another name/],
  ['an environment variable name starts with a digit', { workflow: [job('a', { environment: { '1X': 'x' } })] }, /workflow job 'a' has environment variable '1X': names are letters, digits and '_', not starting with a digit/],
  // tiers
  ['the tier list is empty', { memoryTiers: [], workflow: [job('a')] }, /memoryTiers is empty: give at least one tier, e\.g\. \{ name: '2gb'/],
  ['two tiers have the same name', { memoryTiers: [tier('2gb', 2, 1), tier('2gb', 4, 1)], workflow: [job('a')] }, /memory tier '2gb' is defined twice: tier names must be unique/],
  ['a tier name has upper-case letters', { memoryTiers: [tier('Large', 2, 1)], workflow: [{ name: 'a', tier: 'Large' }] }, /memory tier name 'Large' is not valid: use 1-32 lowercase letters, digits and hyphens/],
  // data access
  ['a bucket prefix starts with a slash', { workflow: [job('a', { dataAccess: { bucketPrefix: '/raw/' } })] }, /workflow job 'a' has dataAccess\.bucketPrefix '\/raw\/': give a key prefix such as 'raw\/', without a leading '\/' or '\*'/],
  ['a bucket prefix is given with no bucket access', { workflow: [job('a', { dataAccess: { bucket: AccessLevel.NONE, bucketPrefix: 'raw/' } })] },
    /workflow job 'a' has dataAccess\.bucketPrefix 'raw\/' but bucket access NONE: remove the prefix or give bucket AccessLevel\.READ or READ_WRITE/],
  ['table leading keys are an empty list', { workflow: [job('a', { dataAccess: { tableLeadingKeys: [] } })] }, /workflow job 'a' has an empty dataAccess\.tableLeadingKeys: an empty list would match no item/],
  ['table leading keys are given with no table access', { workflow: [job('a', { dataAccess: { table: AccessLevel.NONE, tableLeadingKeys: ['c1'] } })] },
    /workflow job 'a' has dataAccess\.tableLeadingKeys but table access NONE: remove the keys/],
  // data safety
  ['autoDeleteObjects is on while the data is retained', { environment: 'prod', autoDeleteObjects: true }, /autoDeleteObjects is true but removalPolicy is retain: .*set removalPolicy to RemovalPolicy\.DESTROY or autoDeleteObjects to false/],
  ['the removal policy is SNAPSHOT', { removalPolicy: RemovalPolicy.SNAPSHOT, autoDeleteObjects: false }, /removalPolicy is RemovalPolicy\.SNAPSHOT, which S3 buckets.*do not support: use RemovalPolicy\.RETAIN/],
  // environment names AWS Batch reserves
  ['a job sets AWS_BATCH_JOB_ID', { workflow: [job('a', { environment: { AWS_BATCH_JOB_ID: 'x' } })] }, /workflow job 'a' sets environment variable 'AWS_BATCH_JOB_ID': AWS Batch reserves names starting with AWS_BATCH .*choose another name/],
  ['a job sets AWS_BATCH_CE_NAME', { workflow: [job('a', { environment: { AWS_BATCH_CE_NAME: 'x' } })] }, /environment variable 'AWS_BATCH_CE_NAME': AWS Batch reserves names starting with AWS_BATCH/],
  ['a job sets a variable named just AWS_BATCH', { workflow: [job('a', { environment: { AWS_BATCH: 'x' } })] }, /environment variable 'AWS_BATCH': AWS Batch reserves/],
  ['a job sets AWS_BATCHX', { workflow: [job('a', { environment: { AWS_BATCHX: '1' } })] }, /environment variable 'AWS_BATCHX': AWS Batch reserves/],
  ['a job has a secret named AWS_BATCH_TOKEN', { workflow: [job('a', { secrets: { AWS_BATCH_TOKEN: secret() } })] }, /workflow job 'a' has a secret named 'AWS_BATCH_TOKEN': AWS Batch reserves names starting with AWS_BATCH/],
  // what a job submits
  ['a job\'s environment value is 9 KB', { workflow: [job('a', { environment: { PAYLOAD: 'x'.repeat(9000) } })] }, /workflow job 'a' sends \d{4,} bytes of container overrides \(command and environment\), more than the 8192 ECS allows.*move large values into the image, an S3 object or a secret/],
  ['a job has 300 environment variables', { workflow: [job('a', { environment: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`VAR_${i}`, 'value-of-the-variable'])) })] }, /workflow job 'a' sends \d+ bytes of container overrides/],
  ['a job\'s command is 100 arguments of 100 characters', { workflow: [job('a', { command: Array.from({ length: 100 }, () => 'a'.repeat(100)) })] }, /workflow job 'a' sends \d+ bytes of container overrides/],
  ['a job\'s command and environment together pass 8 KiB', { workflow: [job('a', { command: ['x'.repeat(5000)], environment: { B: 'y'.repeat(3200) } })] }, /workflow job 'a' sends 8\d{3} bytes of container overrides/],
  ['a job\'s overrides are 8 KiB of multi-byte characters', { workflow: [job('a', { environment: { TEXT: 'ü'.repeat(4100) } })] }, /workflow job 'a' sends \d+ bytes of container overrides/],
  ['a job\'s SubmitJob request passes 30 KiB', { workflow: [job('a', { command: ['x'.repeat(31 * 1024)] })] }, /workflow job 'a' makes a SubmitJob request of about \d+ bytes, more than the 30720 \(30 KiB\) AWS Batch accepts/],
  // names two things would share
  ['a tier and a job with dataAccess share a job definition name', { memoryTiers: [tier('etl', 2, 1)], workflow: [job('etl', { tier: 'etl', dataAccess: { bucket: AccessLevel.READ } })] },
    /memory tier 'etl' would both get the job definition name 'sanders-batch-job-etl-dev'|workflow job 'etl' .* and memory tier 'etl' would both get the job definition name 'sanders-batch-job-etl-dev': rename the tier or the job/],
  ['a tier and a job with secrets share a job definition name', { memoryTiers: [tier('2gb', 2, 1), tier('load', 2, 1)], workflow: [job('load', { secrets: { KEY: secret() } })] },
    /workflow job 'load' \(with secrets or dataAccess, so a job definition of its own\) and memory tier 'load' would both get the job definition name 'sanders-batch-job-load-dev'/],
  // contradictory data safety
  ['deletion protection is on while everything is destroyed', { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true }, /deletionProtection is true but removalPolicy is RemovalPolicy\.DESTROY: CloudFormation cannot delete a table with deletion protection.*set removalPolicy to RemovalPolicy\.RETAIN or deletionProtection to false/],
  ['dev turns deletion protection on', { environment: 'dev', deletionProtection: true }, /deletionProtection is true but removalPolicy is RemovalPolicy\.DESTROY/],
  ['prod is disposable without an acknowledgement', { environment: 'prod', dataSafety: DataSafety.DISPOSABLE },
    /dataSafety is DataSafety\.DISPOSABLE in environment 'prod': .*remove dataSafety \(prod keeps its data by default\), or set acknowledgeDisposableProd to true/],
  ['prod is disposable and the acknowledgement is false', { environment: 'prod', dataSafety: DataSafety.DISPOSABLE, acknowledgeDisposableProd: false }, /dataSafety is DataSafety\.DISPOSABLE in environment 'prod'.*acknowledgeDisposableProd/],
  ['the data safety is a made-up string', { dataSafety: 'KEEP' as any }, /dataSafety the string 'KEEP' is not one of the values it takes: give DataSafety\.DISPOSABLE or DataSafety\.RETAINED/],
  ['the disposable-prod acknowledgement is a string', { acknowledgeDisposableProd: 'yes' as any }, /acknowledgeDisposableProd must be true or false, got the string 'yes'/],
  ['a disposable environment turns deletion protection on', { environment: 'test', dataSafety: DataSafety.DISPOSABLE, deletionProtection: true }, /deletionProtection is true but removalPolicy is RemovalPolicy\.DESTROY/],
  // values CloudFormation rejects
  ['log retention is 2 days', { logRetention: 2 as logs.RetentionDays }, /logRetention the number 2 is not one of the values it takes: give a logs\.RetentionDays value \(1, 3, 5, 7/],
  ['log retention is 366 days', { logRetention: 366 as logs.RetentionDays }, /logRetention the number 366 is not one of the values it takes/],
  ['log retention is 10 days', { logRetention: 10 as logs.RetentionDays }, /logRetention the number 10 is not one/],
  ['log retention is 0 days', { logRetention: 0 as logs.RetentionDays }, /logRetention the number 0 is not one/],
  ['log retention is a fraction', { logRetention: 7.5 as logs.RetentionDays }, /logRetention the number 7\.5 is not one/],
  ['log retention is a string', { logRetention: 'ONE_YEAR' as any }, /logRetention must be a number of days \(logs\.RetentionDays\), got the string 'ONE_YEAR': give logRetention: logs\.RetentionDays\.ONE_YEAR/],
  ['the removal policy is a made-up string', { removalPolicy: 'delete' as any }, /removalPolicy the string 'delete' is not one of the values it takes: give RemovalPolicy\.RETAIN or RemovalPolicy\.DESTROY/],
  ['the network profile is a made-up string', { networkProfile: 'NAT' as any }, /networkProfile the string 'NAT' is not one of the values it takes: give NetworkProfile\.ON_DEMAND_EGRESS/],
  ['a job\'s bucket access is lower-case', { workflow: [job('a', { dataAccess: { bucket: 'read' as any } })] }, /workflow\[0\] \(job 'a'\)\.dataAccess\.bucket the string 'read' is not one of the values it takes: give AccessLevel\.NONE, READ or READ_WRITE/],
  ['a job\'s table access is a boolean', { workflow: [job('a', { dataAccess: { table: true as any } })] }, /workflow\[0\] \(job 'a'\)\.dataAccess\.table the boolean true is not one/],
  ['an image digest is too short', { imageTag: 'sha256:abc123' }, /imageTag 'sha256:abc123' is not a valid image digest: give 'sha256:' and 64 lowercase hex digits/],
  ['an image digest has upper-case hex', { imageTag: `sha256:${'A'.repeat(64)}` }, /imageTag 'sha256:A{64}' is not a valid image digest/],
  ['a 32 vCPU tier has 32 GiB', { memoryTiers: [tier('huge', 32, 32)], workflow: [job('a', { tier: 'huge' })], maxvCpus: 64 }, /memory tier 'huge' has 32768 MiB of memory with vcpu 32, which Fargate rejects: with 32 vCPU use 61440, 65536-245760 in steps of 8192, or 249856 MiB; 32768 MiB fits vcpu 8 or 16/],
  ['a 32 vCPU tier has 100 GiB', { memoryTiers: [tier('huge', 100, 32)], workflow: [job('a', { tier: 'huge' })], maxvCpus: 64 }, /memory tier 'huge' has 102400 MiB of memory with vcpu 32, which Fargate rejects/],
  ['a tier has 64 vCPUs', { memoryTiers: [tier('huge', 128, 64)], workflow: [job('a', { tier: 'huge' })], maxvCpus: 128 }, /memory tier 'huge' has vcpu 64, which Fargate does not offer: use one of 0\.25, 0\.5, 1, 2, 4, 8, 16, 32/],
  // wrong JavaScript types, named by prop
  ['a tier\'s memory is a number of MiB', { memoryTiers: [{ name: '2gb', memory: 2048 as any, vcpu: 1 }], workflow: [job('a')] }, /memoryTiers\[0\] \(tier '2gb'\)\.memory must be a Size, got the number 2048: give memory: Size\.gibibytes\(8\) \(not a number of MiB\)/],
  ['a tier\'s memory is a string', { memoryTiers: [{ name: '2gb', memory: '2 GiB' as any, vcpu: 1 }], workflow: [job('a')] }, /memoryTiers\[0\] \(tier '2gb'\)\.memory must be a Size, got the string '2 GiB'/],
  ['a tier\'s vcpu is a string', { memoryTiers: [{ name: '2gb', memory: Size.gibibytes(2), vcpu: '1' as any }], workflow: [job('a')] }, /memoryTiers\[0\] \(tier '2gb'\)\.vcpu must be a number, got the string '1': give vcpu: 2/],
  ['a tier has no memory', { memoryTiers: [{ name: '2gb', vcpu: 1 } as any], workflow: [job('a')] }, /memoryTiers\[0\] \(tier '2gb'\)\.memory is missing: give a Size such as Size\.gibibytes\(8\)/],
  ['a tier has no name', { memoryTiers: [{ memory: Size.gibibytes(2), vcpu: 1 } as any], workflow: [job('a')] }, /memoryTiers\[0\]\.name is missing: give the tier a name such as '8gb'/],
  ['a tier\'s ephemeral storage is a number', { memoryTiers: [{ name: '2gb', memory: Size.gibibytes(2), vcpu: 1, ephemeralStorage: 50 as any }], workflow: [job('a')] }, /memoryTiers\[0\] \(tier '2gb'\)\.ephemeralStorage must be a Size, got the number 50/],
  ['memoryTiers is one object, not an array', { memoryTiers: tier('2gb', 2, 1) as any, workflow: [job('a')] }, /memoryTiers must be an array of tier objects, got an object/],
  ['the workflow is a string', { workflow: 'daily' as any }, /workflow must be an array of job objects, got the string 'daily': give workflow: \[\{ name: 'daily', tier: '2gb' \}\]/],
  ['a workflow entry is a string', { workflow: ['daily' as any] }, /workflow\[0\] must be a job object, got the string 'daily'/],
  ['a job\'s timeout is a number of seconds', { workflow: [job('a', { timeout: 3600 as any })] }, /workflow\[0\] \(job 'a'\)\.timeout must be a Duration, got the number 3600: give timeout: Duration\.hours\(2\)/],
  ['a job\'s dependsOn is a string', { workflow: [job('a'), job('b', { dependsOn: 'a' as any })] }, /workflow\[1\] \(job 'b'\)\.dependsOn must be an array of job name strings, got the string 'a': give dependsOn: \['ingest'\]/],
  ['a job\'s command is one string', { workflow: [job('a', { command: 'python run.py' as any })] }, /workflow\[0\] \(job 'a'\)\.command must be an array of strings, got the string 'python run.py'/],
  ['a job\'s environment value is a number', { workflow: [job('a', { environment: { THREADS: 4 as any } })] }, /workflow\[0\] \(job 'a'\)\.environment\.THREADS must be a string, got the number 4: give environment: \{ THREADS: '4' \} \(quoted\)/],
  ['a job\'s environment is an array', { workflow: [job('a', { environment: ['A=1'] as any })] }, /workflow\[0\] \(job 'a'\)\.environment must be an object of strings, got an array/],
  ['a job\'s retry attempts are a string', { workflow: [job('a', { retryAttempts: '3' as any })] }, /workflow\[0\] \(job 'a'\)\.retryAttempts must be a number, got the string '3'/],
  ['a job\'s array size is a string', { workflow: [job('a', { arraySize: '10' as any })] }, /workflow\[0\] \(job 'a'\)\.arraySize must be a number, got the string '10'/],
  ['a job has no tier', { workflow: [{ name: 'a' } as any] }, /workflow\[0\] \(job 'a'\)\.tier is missing: give the name of a memory tier such as '2gb'/],
  ['a job\'s name is a number', { workflow: [{ name: 7, tier: '2gb' } as any] }, /workflow\[0\]\.name must be a string, got the number 7/],
  ['a job\'s table leading keys are a string', { workflow: [job('a', { dataAccess: { tableLeadingKeys: 'c1' as any } })] }, /workflow\[0\] \(job 'a'\)\.dataAccess\.tableLeadingKeys must be an array of strings, got the string 'c1'/],
  ['a job\'s secret is a string', { workflow: [job('a', { secrets: { KEY: 'arn:aws:secretsmanager:x' as any } })] }, /workflow\[0\] \(job 'a'\)\.secrets\.KEY must be a batch\.Secret, got the string/],
  ['runTimeout is a number of seconds', { runTimeout: 86400 as any }, /runTimeout must be a Duration, got the number 86400: give runTimeout: Duration\.minutes\(30\)/],
  ['runnableTimeout is a string', { runnableTimeout: '30m' as any }, /runnableTimeout must be a Duration, got the string '30m'/],
  ['maxvCpus is a string', { maxvCpus: '64' as any }, /maxvCpus must be a number, got the string '64': give maxvCpus: 64/],
  ['the environment is a number', { environment: 1 as any }, /environment must be a string, got the number 1: give e\.g\. environment: 'prod'/],
  ['the name prefix is an array', { namePrefix: ['team'] as any }, /namePrefix must be a string, got an array/],
  ['the image tag is a number', { imageTag: 2 as any }, /imageTag must be a string, got the number 2: give e\.g\. imageTag: 'v1\.2\.3'/],
  ['createDashboard is a string', { createDashboard: 'yes' as any }, /createDashboard must be true or false, got the string 'yes'/],
  ['versioned is a number', { versioned: 1 as any }, /versioned must be true or false, got the number 1/],
  ['alarmEmails is one string', { alarmEmails: 'ops@example.com' as any }, /alarmEmails must be an array of e-mail address strings, got the string 'ops@example\.com': give alarmEmails: \['ops@example\.com'\]/],
  ['the schedule is a cron string', { schedule: '0 2 * * ? *' as any }, /schedule must be an object, got the string '0 2 \* \* \? \*': give schedule: \{ expression: ScheduleExpression\.cron\(\{ minute: '0', hour: '2' \}\) \}/],
  ['the schedule\'s expression is a number', { schedule: { expression: 5 as any } }, /schedule\.expression must be a scheduler\.ScheduleExpression, got the number 5/],
  // schedules against EventBridge Scheduler's grammar (eb-cron-expressions.html, eb-rate-expressions.html, Scheduler's ScheduleExpression)
  ['a cron minute is out of range', { schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '61', hour: '2' }) } }, /schedule expression 'cron\(61 2 \* \* \? \*\)': minutes '61' is not valid: use 0-59/],
  ['a cron hour is 24', { schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '24' }) } }, /hours '24' is not valid: use 0-23/],
  ['a cron year is before 1970', { schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2', year: '1969' }) } }, /year '1969' is not valid: use 1970-2199/],
  ['a cron has the five fields of Unix cron', { schedule: { expression: cron('0 2 * * *') } }, /'cron\(0 2 \* \* \*\)': it has 5 fields, but Scheduler's cron has 6: minutes hours day-of-month month day-of-week year/],
  ['a cron has no ? in a day field', { schedule: { expression: cron('0 2 * * * *') } }, /day-of-month '\*' and day-of-week '\*': exactly one of them must be '\?'.*e\.g\. 'cron\(0 2 \* \* \? \*\)'/],
  ['a cron gives both a day of the month and a day of the week', { schedule: { expression: cron('0 2 1 * MON *') } }, /day-of-month '1' and day-of-week 'MON': exactly one of them must be '\?'/],
  ['a cron counts Sunday as 0', { schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2', weekDay: '0' }) } }, /day-of-week '0' counts Sunday as 0, as Unix cron does: Scheduler numbers the days 1-7 from Sunday/],
  ['a cron day of the week is 8', { schedule: { expression: cron('0 2 ? * 8 *') } }, /day-of-week '8' is not valid: use 1-7 or SUN-SAT/],
  ['a rate is inside cron(...)', { schedule: { expression: scheduler.ScheduleExpression.expression('cron(rate(5 minutes))') } }, /'cron\(rate\(5 minutes\)\)': it has an expression inside cron\(\.\.\.\)/],
  ['a cron is inside cron(...)', { schedule: { expression: scheduler.ScheduleExpression.expression('cron(cron(0 2 * * ? *))') } }, /it has an expression inside cron\(\.\.\.\): give the fields alone/],
  ['a cron string is not wrapped in cron(...)', { schedule: { expression: scheduler.ScheduleExpression.expression('30 2 * * ? *') } }, /schedule expression '30 2 \* \* \? \*' is not valid: Scheduler takes cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\)/],
  ['a rate of 1 has a plural unit', { schedule: { expression: scheduler.ScheduleExpression.expression('rate(1 hours)') } }, /'rate\(1 hours\)': give the unit in the singular for 1: 'rate\(1 hour\)'/],
  ['a rate is in weeks', { schedule: { expression: scheduler.ScheduleExpression.expression('rate(2 weeks)') } }, /'rate\(2 weeks\)': give a positive whole number and a unit: minute\(s\), hour\(s\) or day\(s\)/],
  ['a one-time schedule is on 30 February', { schedule: { expression: scheduler.ScheduleExpression.expression('at(2027-02-30T02:30:00)') } }, /'at\(2027-02-30T02:30:00\)': 2027-02-30T02:30:00 is not a date and time that exists/],
  ['the schedule time zone is misspelt', { schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.of('Europe/Berln') }) } },
    /schedule time zone 'Europe\/Berln' is not an IANA time zone: give TimeZone\.of\('Europe\/Berlin'\) if that is the zone meant/],
  ['the schedule time zone is an offset', { schedule: { expression: scheduler.ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.of('+01:00') }) } },
    /schedule time zone '\+01:00' is an offset, not an IANA time zone: give the zone of the place, such as TimeZone\.EUROPE_BERLIN/],
  ['the schedule time zone is UTC+1', { schedule: { expression: cron('0 2 * * ? *', TimeZone.of('UTC+1')) } }, /schedule time zone 'UTC\+1' is an offset/],
  // 'sanders-batch-job-' (18) + 110 + '-dev' (4) = 132 characters
  ['a job with a job definition of its own gets a name over 128 characters', { workflow: [job('j'.repeat(110), { dataAccess: { bucket: AccessLevel.READ } })] },
    /job definition name 'sanders-batch-job-j{110}-dev' is longer than AWS Batch's 128 characters \(132: the prefix, environment and 'j{110}' make it\): shorten the tier or job name/],
  // removal settings that cannot all hold
  ['prod destroys its data with auto-delete on and deletion protection left at its default', { environment: 'prod', removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true },
    /removalPolicy is RemovalPolicy\.DESTROY in environment 'prod', which keeps its data by default: removing the stack would delete the bucket sanders-customer-platform-prod with every object in it \(autoDeleteObjects empties it first\), the table sanders_daily_customer_features_prod .*the KMS key.*remove removalPolicy to keep prod's data, or, if it really is disposable, set dataSafety to DataSafety\.DISPOSABLE .* and acknowledgeDisposableProd to true/],
  ['prod destroys its data', { environment: 'prod', removalPolicy: RemovalPolicy.DESTROY }, /removalPolicy is RemovalPolicy\.DESTROY in environment 'prod'.*the bucket sanders-customer-platform-prod \(once it is empty\)/],
  // An acknowledgement given as false is no acknowledgement (only true says that prod's data is meant to go).
  ['prod destroys its data with the acknowledgement false', { environment: 'prod', removalPolicy: RemovalPolicy.DESTROY, acknowledgeDisposableProd: false },
    /removalPolicy is RemovalPolicy\.DESTROY in environment 'prod', which keeps its data by default/],
  ['data safety is RETAINED but the removal policy destroys', { environment: 'staging', dataSafety: DataSafety.RETAINED, removalPolicy: RemovalPolicy.DESTROY },
    /dataSafety is DataSafety\.RETAINED but removalPolicy is RemovalPolicy\.DESTROY: removing the stack would delete the bucket .*which dataSafety says must survive; remove removalPolicy to keep the data, or set dataSafety to DataSafety\.DISPOSABLE/],
  ['staging destroys its data with deletion protection left at its default', { environment: 'staging', removalPolicy: RemovalPolicy.DESTROY },
    /removalPolicy is RemovalPolicy\.DESTROY but deletionProtection is true by default \(dataSafety is DataSafety\.RETAINED in environment 'staging'\): the table would get DeletionPolicy Delete and deletion protection.*set deletionProtection to false as well/],
  ['acknowledged prod destroys its data with deletion protection left at its default', { environment: 'prod', acknowledgeDisposableProd: true, removalPolicy: RemovalPolicy.DESTROY },
    /removalPolicy is RemovalPolicy\.DESTROY but deletionProtection is true by default \(dataSafety is DataSafety\.RETAINED in environment 'prod'\)/],
  ['a disposable environment keeps a backup plan', { environment: 'dev', backupPlan: true },
    /backupPlan is true but removalPolicy is RemovalPolicy\.DESTROY: the backup vault is kept, but the platform's KMS key that encrypts its backups is deleted with the stack \(after 7 days\), so no backup could ever be restored; set backupPlan to false/],
  ['staging destroys its data but keeps the default backup plan', { environment: 'staging', removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false },
    /backupPlan is true but removalPolicy is RemovalPolicy\.DESTROY: the backup vault is kept/],
  // limit messages that name what takes the room. Sizes as sent, JSON in UTF-8: {"name":"PAYLOAD","value":"x...x"} is
  // 9 + 7 + 11 + 9000 + 2 = 9029 bytes, SMALL 9 + 5 + 11 + 1 + 2 = 28, MODE 9 + 4 + 11 + 4 + 2 = 30; a command of 90
  // quoted 100-character arguments is 90 * 102 + 89 commas + 2 brackets = 9271.
  ['one environment variable takes the overrides\' room', { workflow: [job('a', { environment: { SMALL: 'x', PAYLOAD: 'x'.repeat(9000) } })] },
    /workflow job 'a' sends 9\d{3} bytes of container overrides .* \(largest: environment variable 'PAYLOAD' 9029 bytes, environment variable 'SMALL' 28 bytes\): move large values/],
  ['the command takes the overrides\' room', { workflow: [job('a', { command: Array.from({ length: 90 }, () => 'a'.repeat(100)), environment: { MODE: 'full' } })] },
    /\(largest: the command \(90 arguments, the longest 102 bytes\) 9271 bytes, environment variable 'MODE' 30 bytes\)/],
  ['the command takes the SubmitJob request\'s room', { workflow: [job('a', { command: ['x'.repeat(31 * 1024)] })] },
    /makes a SubmitJob request of about \d+ bytes, more than the 30720 \(30 KiB\) AWS Batch accepts \(largest: the command \(1 argument, the longest 31746 bytes\) 31748 bytes, the retry rules \(5\) \d+ bytes\)/],
];

function expectRejected(props: SandersBatchPlatformProps, message: RegExp): void {
  // GIVEN
  const app = new App();
  const stack = new Stack(app, 'Consumer');

  // WHEN / THEN
  expect(() => new SandersBatchPlatform(stack, 'Platform', props)).toThrow(message);
  // Nothing was created: no CloudFormation element anywhere, and the platform (if its node exists at all) is empty.
  expect(stack.node.findAll().filter(c => CfnElement.isCfnElement(c))).toEqual([]);
  expect(stack.node.tryFindChild('Platform')?.node.children ?? []).toEqual([]);
}

describe('invalid configurations', () => {
  test('there are at least 100 distinct ones', () => {
    expect(new Set(CASES.map(c => c[0])).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(100);
  });

  test.each(CASES)('fails when %s', (_what, props, message) => {
    expectRejected(props, message);
  });

  test('fails when several things are wrong, and names every one of them in one error', () => {
    expectRejected(
      { environment: 'Prod', maxvCpus: 20000, workflow: [job('a', { retryAttempts: 0 })] },
      /invalid SandersBatchPlatform configuration \(3 problems\):\n {2}- environment 'Prod'[\s\S]*- maxvCpus 20000[\s\S]*- workflow job 'a' has retryAttempts 0/,
    );
  });

  test('fails when a job is added to a VPC without egress subnets, before anything is created', () => {
    const stack = new Stack(new App(), 'Consumer');
    const vpc = new ec2.Vpc(stack, 'Isolated', { subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const before = stack.node.findAll().length;
    expect(() => new SandersBatchPlatform(stack, 'Platform', { vpc })).toThrow(/has no private subnets with egress/);
    expect(stack.node.findAll().length).toBe(before + 1); // only the empty Platform node
  });
});

describe('two platforms of one app', () => {
  const twoStacks = (a: object, b: object, propsB: SandersBatchPlatformProps = {}) => {
    const app = new App();
    new SandersBatchPlatform(new Stack(app, 'StackA', a), 'Platform');
    const second = new Stack(app, 'StackB', b);
    return () => new SandersBatchPlatform(second, 'Platform', propsB);
  };
  const here = { env: { account: '123456789012', region: 'eu-central-1' } };

  test('fails when two stacks of one app get the same environment and prefix in one account and region', () => {
    expect(twoStacks(here, here)).toThrow(
      /bucket name 'sanders-customer-platform-dev' \(unique in every account\) is already used by platform 'StackA\/Platform'[\s\S]*table name 'sanders_daily_customer_features_dev' \(in account 123456789012, region eu-central-1\) is already used[\s\S]*job queue name[\s\S]*state machine name 'sanders-customer-platform-workflow-dev'/);
  });

  test('fails when two environment-agnostic stacks get the same environment and prefix', () => {
    expect(twoStacks({}, {})).toThrow(/table name 'sanders_daily_customer_features_dev' \(in account any, region any\) is already used by platform 'StackA\/Platform': give each platform its own namePrefix or environment/);
  });

  test('fails when two stacks in two regions share a bucket name, which is global', () => {
    const f = twoStacks(here, { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(f).toThrow(/\(1 problem\):\n {2}- bucket name 'sanders-customer-platform-dev' \(unique in every account\) is already used by platform 'StackA\/Platform'/);
  });

  test('a name clash and a bad prop come in one report, and a platform that failed claims no name', () => {
    const app = new App();
    new SandersBatchPlatform(new Stack(app, 'StackA', here), 'Platform', { tableName: 'shared_features' });
    const stackB = new Stack(app, 'StackB', here);
    expect(() => new SandersBatchPlatform(stackB, 'Platform', { namePrefix: 'other', ...OWN_DATA_MODEL, tableName: 'shared_features', alarmEmails: ['nope'] }))
      .toThrow(/\(2 problems\):\n {2}- table name 'shared_features' .* is already used by platform 'StackA\/Platform'.*\n {2}- alarmEmails/);
    // The failed platform took nothing: a third one may use its names.
    expect(() => new SandersBatchPlatform(new Stack(app, 'StackC', here), 'Platform', { namePrefix: 'other', ...OWN_DATA_MODEL, tableName: 'other_features' })).not.toThrow();
  });

  test('fails when a second platform in another stack reuses a table name', () => {
    const app = new App();
    new SandersBatchPlatform(new Stack(app, 'StackA', here), 'Platform', { tableName: 'shared_features' });
    expect(() => new SandersBatchPlatform(new Stack(app, 'StackB', here), 'Platform', { namePrefix: 'other', ...OWN_DATA_MODEL, tableName: 'shared_features' }))
      .toThrow(/table name 'shared_features' \(in account 123456789012, region eu-central-1\) is already used by platform 'StackA\/Platform'/);
  });

  test('accepts two stacks with prefixes of their own', () => {
    expect(twoStacks(here, here, { namePrefix: 'team-b', ...OWN_DATA_MODEL })).not.toThrow();
  });
});

describe('the stack budget (500 resources, 1 MB template)', () => {
  test('fails when the stack passes 500 resources, saying what the platform and its jobs cost', () => {
    const app = new App();
    const stack = new Stack(app, 'Big', { env: { account: '123456789012', region: 'eu-central-1' } });
    new SandersBatchPlatform(stack, 'Platform', {
      workflow: Array.from({ length: 150 }, (_, i) => job(`j${i}`, { dataAccess: { bucket: AccessLevel.READ } })),
    });
    expect(() => app.synth()).toThrow(
      /stack 'Big' has 5\d\d resources \(CloudFormation allows 500\)[\s\S]*The platform 'Big\/Platform' accounts for \d+ resources and [\d.]+ kB; 150 workflow jobs have a job definition of their own \(secrets, dataAccess or image\) and cost 450 resources[\s\S]*largest: 'j\d+' 3 resources, [\d.]+ kB[\s\S]*Give fewer jobs secrets, dataAccess or an image of their own/);
  }, 120_000);
});

describe('valid configurations that were refused before', () => {
  const jobDefinition = (props: SandersBatchPlatformProps) => {
    const stack = new Stack(new App(), 'Consumer');
    new SandersBatchPlatform(stack, 'Platform', props);
    return Object.values(Template.fromStack(stack).findResources('AWS::Batch::JobDefinition')) as any[];
  };

  test.each([61440, 65536, 122880, 245760, 249856])('accepts a 32 vCPU tier with %d MiB', (mib) => {
    const [def] = jobDefinition({ memoryTiers: [{ name: 'huge', memory: Size.mebibytes(mib), vcpu: 32 }], workflow: [job('a', { tier: 'huge' })] });
    expect(def.Properties.ContainerProperties.ResourceRequirements).toEqual(expect.arrayContaining([
      { Type: 'VCPU', Value: '32' }, { Type: 'MEMORY', Value: String(mib) },
    ]));
  });

  test('accepts an image digest and pulls the image by it', () => {
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    const defs = jobDefinition({ imageTag: digest });
    expect(JSON.stringify(defs[0].Properties.ContainerProperties.Image)).toContain(`@${digest}`);
  });

  test('accepts an image tag given as a deploy-time token', () => {
    const stack = new Stack(new App(), 'Consumer');
    const tag = new CfnParameter(stack, 'ImageTag', { default: 'v1' });
    new SandersBatchPlatform(stack, 'Platform', { imageTag: tag.valueAsString });
    const [def] = Object.values(Template.fromStack(stack).findResources('AWS::Batch::JobDefinition')) as any[];
    expect(JSON.stringify(def.Properties.ContainerProperties.Image)).toContain('{"Ref":"ImageTag"}');
  });
});
