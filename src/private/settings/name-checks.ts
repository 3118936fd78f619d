/**
 * Names checks: the environment and prefix that every physical name is built from, the bucket, table and
 * repository names (S3, DynamoDB and ECR rules), the image tag, and job definition names two things would share.
 */
import { Token } from 'aws-cdk-lib';
import { CheckedValues, Problems, PropsCheck, requireLiteral } from './problems';
import { hasOwnJobDefinition } from './workflow-checks';

const ENVIRONMENT = /^[a-z][a-z0-9]{0,15}$/;
const PREFIX = /^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/;

/** Whether the environment and the prefix are valid (names built from bad ones would only repeat the problem). */
export function namesAreValid(environment: string, prefix: string): boolean {
  return !Token.isUnresolved(environment) && ENVIRONMENT.test(environment)
    && !Token.isUnresolved(prefix) && PREFIX.test(prefix) && !prefix.includes('--');
}

/** The environment, the prefix, the data resources' names and the image tag. */
export const checkNames: PropsCheck = (problems, props, v) => {
  validateEnvironment(problems, v.environment);
  validatePrefix(problems, v.names.prefix);
  if (v.namesValid || props.bucketName !== undefined) validateBucketName(problems, v.data.bucketName);
  if (v.namesValid || props.tableName !== undefined) validateTableName(problems, v.data.tableName);
  if (v.namesValid || props.repositoryName !== undefined) validateRepositoryName(problems, v.data.repositoryName);
  if (props.imageTag !== undefined) checkImageTag(problems, props.imageTag);
};

/** The job definition names of the tiers and of the jobs with a job definition of their own. */
export const checkJobDefinitionNamesOf: PropsCheck = (problems, _props, v: CheckedValues) => {
  if (!v.namesValid) return;
  checkJobDefinitionNames(problems, v.tiers.map(t => t.name), v.workflow.filter(hasOwnJobDefinition).map(j => j.name), n => v.names.jobDefinition(n));
};

export function validateEnvironment(problems: Problems, environment: string): void {
  if (!requireLiteral(problems, 'environment', environment)) return;
  if (!ENVIRONMENT.test(environment)) {
    problems.add(`environment '${environment}' is not valid: use 1-16 lowercase letters and digits starting with a letter, e.g. 'dev', 'staging' or 'prod'`);
  }
}

export function validatePrefix(problems: Problems, prefix: string): void {
  if (!requireLiteral(problems, 'namePrefix', prefix)) return;
  if (!PREFIX.test(prefix) || prefix.includes('--')) {
    problems.add(`namePrefix '${prefix}' is not valid: use 1-20 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (it starts the S3 bucket name), e.g. 'sanders' or 'team-a'`);
  }
}

/** S3 bucket name rules. */
export function validateBucketName(problems: Problems, name: string): void {
  if (!requireLiteral(problems, 'bucketName', name)) return;
  const why: string[] = [];
  if (name.length < 3 || name.length > 63) why.push(`it is ${name.length} characters long (3-63 allowed)`);
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) why.push('only lowercase letters, digits, dots and hyphens are allowed, starting and ending with a letter or digit');
  if (name.includes('..')) why.push('it contains two adjacent dots');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) why.push('it looks like an IP address');
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) why.push("it starts with 'xn--', 'sthree-' or 'amzn-s3-demo-'");
  if (/(-s3alias|--ol-s3|--x-s3|--table-s3|\.mrap)$/.test(name)) why.push("it ends with '-s3alias', '--ol-s3', '--x-s3', '--table-s3' or '.mrap'");
  if (why.length > 0) problems.add(`bucket name '${name}' is not valid: ${why.join('; ')}. Choose a shorter namePrefix or environment, or set bucketName`);
}

export function validateTableName(problems: Problems, name: string): void {
  if (!requireLiteral(problems, 'tableName', name)) return;
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name)) {
    problems.add(`table name '${name}' is not valid: DynamoDB allows 3-255 letters, digits, '_', '.' and '-'`);
  }
}

export function validateRepositoryName(problems: Problems, name: string): void {
  if (!requireLiteral(problems, 'repositoryName', name)) return;
  if (name.length < 2 || name.length > 256 || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(name)) {
    problems.add(`repository name '${name}' is not valid: ECR allows 2-256 lowercase letters and digits, separated by single '.', '_', '-' or '/'`);
  }
}

/**
 * Two job definitions (a tier's and a job's own) that would get the same name, and names longer than Batch's
 * 128 characters.
 */
export function checkJobDefinitionNames(problems: Problems, tierNames: string[], ownJobNames: string[], nameOf: (suffix: string) => string): void {
  for (const n of [...tierNames, ...ownJobNames]) {
    const defName = nameOf(n);
    if (defName.length > 128) {
      problems.add(`job definition name '${defName}' is longer than AWS Batch's 128 characters (${defName.length}: the prefix, environment and '${n}' make it): shorten the tier or job name`);
    }
  }
  const seen = new Map<string, string>();
  const add = (what: string, suffix: string) => {
    const name = nameOf(suffix);
    const other = seen.get(name);
    if (other !== undefined) {
      problems.add(`${what} and ${other} would both get the job definition name '${name}': rename the tier or the job`);
    }
    seen.set(name, what);
  };
  for (const t of tierNames) add(`memory tier '${t}'`, t);
  for (const j of ownJobNames) add(`workflow job '${j}' (with secrets or dataAccess, so a job definition of its own)`, j);
}

/** An image tag or digest: `v1.2.3`, `latest`, `sha256:<64 hex>`; a deploy-time token is taken as is. */
export function checkImageTag(problems: Problems, imageTag: string): void {
  if (Token.isUnresolved(imageTag)) return;
  if (/^sha256:[a-f0-9]{64}$/.test(imageTag)) return;
  if (imageTag.startsWith('sha256:')) {
    problems.add(`imageTag '${imageTag}' is not a valid image digest: give 'sha256:' and 64 lowercase hex digits, as 'docker inspect' or ECR shows it`);
    return;
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(imageTag)) {
    problems.add(`imageTag '${imageTag}' is not a valid image tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-' (or an image digest 'sha256:...')`);
  }
}
