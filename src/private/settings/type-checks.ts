/**
 * The JavaScript types of the props, which the TypeScript types cannot enforce for a caller in plain JavaScript (or
 * Python or Java with a wrong cast). Each problem names the prop, the value and the fix.
 */
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Problems } from './problems';
import { DataSafety } from '../../data-safety';
import { NetworkProfile } from '../../network-profile';
import { AccessLevel } from '../../workflow-job';

type Check = (value: unknown) => boolean;
const isString: Check = v => typeof v === 'string';
const isBoolean: Check = v => typeof v === 'boolean';
const isNumber: Check = v => typeof v === 'number' && !Number.isNaN(v);
const isPlainObject: Check = v => typeof v === 'object' && v !== null && !Array.isArray(v);
// Duck-typed, not instanceof: a second copy of aws-cdk-lib (or a jsii proxy) still passes.
const isDuration: Check = v => isPlainObject(v) && typeof (v as any).toSeconds === 'function';
const isSize: Check = v => isPlainObject(v) && typeof (v as any).toMebibytes === 'function';
const isContainerImage: Check = v => isPlainObject(v) && typeof (v as any).bind === 'function';
const IMAGE_FIX = "image: ecs.ContainerImage.fromAsset('./job') or ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/python:3.12') (not a string)";

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array (${JSON.stringify(value).slice(0, 40)})`;
  if (typeof value === 'string') return `the string '${value.length > 40 ? value.slice(0, 40) + '...' : value}'`;
  if (typeof value === 'object') return `an object (${JSON.stringify(value)?.slice(0, 40) ?? 'not JSON'})`;
  return `the ${typeof value} ${String(value)}`;
}

class TypeChecker {
  constructor(private readonly problems: Problems) {}

  public check(path: string, value: unknown, ok: Check, want: string, example: string): boolean {
    if (value === undefined) return true;
    if (ok(value)) return true;
    this.problems.add(`${path} must be ${want}, got ${describe(value)}: give ${example}`);
    return false;
  }

  public list(path: string, value: unknown, item: Check, want: string, example: string): boolean {
    if (value === undefined) return true;
    if (!Array.isArray(value)) {
      this.problems.add(`${path} must be an array of ${want}, got ${describe(value)}: give ${example}`);
      return false;
    }
    let ok = true;
    const one = want.replace(/s$/, '');
    const article = /^[aeiou]/.test(one) ? 'an' : 'a';
    value.forEach((v, i) => { ok = this.check(`${path}[${i}]`, v, item, `${article} ${one}`, example) && ok; });
    return ok;
  }

  public oneOf(path: string, value: unknown, allowed: readonly unknown[], example: string): void {
    if (value === undefined || allowed.includes(value)) return;
    if (typeof value === 'number' && Token.isUnresolved(value)) return;
    this.problems.add(`${path} ${describe(value)} is not one of the values it takes: give ${example}`);
  }
}

const STRING_PROPS: { [prop: string]: string } = {
  environment: 'prod',
  namePrefix: 'team-a',
  imageTag: 'v1.2.3',
  bucketName: 'team-a-data-prod',
  tableName: 'team_a_features_prod',
  repositoryName: 'team-a/jobs',
};
const BOOLEAN_PROPS = ['acknowledgeDisposableProd', 'autoDeleteObjects', 'pointInTimeRecovery', 'deletionProtection', 'versioned', 'backupPlan',
  'createOutputs', 'useSpot', 'createDashboard'];
const DURATION_PROPS = ['runnableTimeout', 'runTimeout'];
const ACCESS_LEVELS = Object.values(AccessLevel);

/**
 * The JavaScript types of every prop. Returns false when a value has a wrong type that the other checks would
 * stumble over (they then do not run; the type problems are reported alone).
 */
export function checkPropTypes(problems: Problems, props: { [key: string]: any }): boolean {
  const before = problems.count;
  const t = new TypeChecker(problems);
  if (!isPlainObject(props)) {
    problems.add(`the props must be an object, got ${describe(props)}: give e.g. { environment: 'prod' }`);
    return false;
  }
  for (const [p, example] of Object.entries(STRING_PROPS)) t.check(p, props[p], isString, 'a string', `e.g. ${p}: '${example}'`);
  for (const p of BOOLEAN_PROPS) t.check(p, props[p], isBoolean, 'true or false', `${p}: true or ${p}: false`);
  for (const p of DURATION_PROPS) t.check(p, props[p], isDuration, 'a Duration', `${p}: Duration.minutes(30)`);
  t.check('maxvCpus', props.maxvCpus, isNumber, 'a number', 'maxvCpus: 64');
  if (t.check('logRetention', props.logRetention, isNumber, 'a number of days (logs.RetentionDays)', 'logRetention: logs.RetentionDays.ONE_YEAR')) {
    t.oneOf('logRetention', props.logRetention, Object.values(logs.RetentionDays).filter(isNumber),
      'a logs.RetentionDays value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days, or INFINITE), e.g. logs.RetentionDays.ONE_YEAR');
  }
  t.oneOf('dataSafety', props.dataSafety, Object.values(DataSafety), 'DataSafety.DISPOSABLE or DataSafety.RETAINED');
  t.oneOf('removalPolicy', props.removalPolicy, Object.values(RemovalPolicy), 'RemovalPolicy.RETAIN or RemovalPolicy.DESTROY');
  t.oneOf('networkProfile', props.networkProfile, Object.values(NetworkProfile), 'NetworkProfile.ON_DEMAND_EGRESS, SINGLE_NAT_GATEWAY or NAT_GATEWAY_PER_AZ');
  t.list('alarmEmails', props.alarmEmails, isString, 'e-mail address strings', "alarmEmails: ['ops@example.com']");
  const constructs: { [prop: string]: string } = {
    vpc: 'an ec2.IVpc', alarmTopic: 'an sns.ITopic', existingBucket: 'an s3.IBucket', existingTable: 'a dynamodb.ITable', existingEncryptionKey: 'a kms.IKey',
  };
  for (const [p, want] of Object.entries(constructs)) t.check(p, props[p], isPlainObject, 'a construct', want);
  if (t.check('schedule', props.schedule, isPlainObject, 'an object', "schedule: { expression: ScheduleExpression.cron({ minute: '0', hour: '2' }) }")) {
    const s = props.schedule ?? {};
    t.check('schedule.expression', s.expression, v => isPlainObject(v) && typeof (v as any).expressionString === 'string', 'a scheduler.ScheduleExpression', "expression: ScheduleExpression.cron({ minute: '0', hour: '2' })");
    t.check('schedule.enabled', s.enabled, isBoolean, 'true or false', 'enabled: false');
  }
  if (t.list('memoryTiers', props.memoryTiers, isPlainObject, 'tier objects', "memoryTiers: [{ name: '2gb', memory: Size.gibibytes(2), vcpu: 1 }]")) {
    (props.memoryTiers ?? []).forEach((tier: any, i: number) => {
      const path = `memoryTiers[${i}]${typeof tier.name === 'string' ? ` (tier '${tier.name}')` : ''}`;
      if (tier.name === undefined) problems.add(`${path}.name is missing: give the tier a name such as '8gb'`);
      t.check(`${path}.name`, tier.name, isString, 'a string', "name: '8gb'");
      if (tier.memory === undefined) problems.add(`${path}.memory is missing: give a Size such as Size.gibibytes(8)`);
      t.check(`${path}.memory`, tier.memory, isSize, 'a Size', 'memory: Size.gibibytes(8) (not a number of MiB)');
      if (tier.vcpu === undefined) problems.add(`${path}.vcpu is missing: give a number of vCPUs such as 2`);
      t.check(`${path}.vcpu`, tier.vcpu, isNumber, 'a number', 'vcpu: 2');
      t.check(`${path}.ephemeralStorage`, tier.ephemeralStorage, isSize, 'a Size', 'ephemeralStorage: Size.gibibytes(50)');
      t.check(`${path}.cpuArchitecture`, tier.cpuArchitecture, isPlainObject, 'an ecs.CpuArchitecture', 'cpuArchitecture: ecs.CpuArchitecture.ARM64');
      t.check(`${path}.image`, tier.image, isContainerImage, 'an ecs.ContainerImage', IMAGE_FIX);
    });
  }
  if (t.list('workflow', props.workflow, isPlainObject, 'job objects', "workflow: [{ name: 'daily', tier: '2gb' }]")) {
    (props.workflow ?? []).forEach((job: any, i: number) => checkJobTypes(problems, t, job, i));
  }
  return problems.count === before;
}

function checkJobTypes(problems: Problems, t: TypeChecker, job: any, i: number): void {
  const path = `workflow[${i}]${typeof job.name === 'string' ? ` (job '${job.name}')` : ''}`;
  if (job.name === undefined) problems.add(`${path}.name is missing: give the job a name such as 'daily'`);
  t.check(`${path}.name`, job.name, isString, 'a string', "name: 'daily'");
  if (job.tier === undefined) problems.add(`${path}.tier is missing: give the name of a memory tier such as '2gb'`);
  t.check(`${path}.tier`, job.tier, isString, 'a string (the tier\'s name)', "tier: '2gb'");
  t.list(`${path}.dependsOn`, job.dependsOn, isString, 'job name strings', "dependsOn: ['ingest']");
  t.list(`${path}.command`, job.command, isString, 'strings', "command: ['python', 'run.py', 'Ref::date']");
  if (t.check(`${path}.environment`, job.environment, isPlainObject, 'an object of strings', "environment: { MODE: 'full' }")) {
    for (const [k, v] of Object.entries(job.environment ?? {})) {
      t.check(`${path}.environment.${k}`, v, isString, 'a string', `environment: { ${k}: '${String(v)}' } (quoted)`);
    }
  }
  if (t.check(`${path}.secrets`, job.secrets, isPlainObject, 'an object of batch.Secret', 'secrets: { API_KEY: batch.Secret.fromSecretsManager(secret) }')) {
    for (const [k, v] of Object.entries(job.secrets ?? {})) {
      t.check(`${path}.secrets.${k}`, v, isPlainObject, 'a batch.Secret', `secrets: { ${k}: batch.Secret.fromSecretsManager(secret) }`);
    }
  }
  t.check(`${path}.image`, job.image, isContainerImage, 'an ecs.ContainerImage', IMAGE_FIX);
  t.check(`${path}.timeout`, job.timeout, isDuration, 'a Duration', 'timeout: Duration.hours(2) (not a number of seconds)');
  t.check(`${path}.retryAttempts`, job.retryAttempts, isNumber, 'a number', 'retryAttempts: 3');
  t.check(`${path}.arraySize`, job.arraySize, isNumber, 'a number', 'arraySize: 10');
  t.list(`${path}.retryStrategies`, job.retryStrategies, isPlainObject, 'batch.RetryStrategy objects', 'retryStrategies: [batch.RetryStrategy.of(...)]');
  if (t.check(`${path}.dataAccess`, job.dataAccess, isPlainObject, 'an object', 'dataAccess: { bucket: AccessLevel.READ }')) {
    const a = job.dataAccess ?? {};
    t.oneOf(`${path}.dataAccess.bucket`, a.bucket, ACCESS_LEVELS, 'AccessLevel.NONE, READ or READ_WRITE');
    t.oneOf(`${path}.dataAccess.table`, a.table, ACCESS_LEVELS, 'AccessLevel.NONE, READ or READ_WRITE');
    t.check(`${path}.dataAccess.bucketPrefix`, a.bucketPrefix, isString, 'a string', "bucketPrefix: 'raw/'");
    t.list(`${path}.dataAccess.tableLeadingKeys`, a.tableLeadingKeys, isString, 'strings', "tableLeadingKeys: ['customer-1']");
  }
}
