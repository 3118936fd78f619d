/**
 * What `simulate` reads from a synthesized platform template: the job workflow (the state machine whose states submit
 * Batch jobs), each job's dependencies, job definition, vCPUs, memory and CPU architecture, and the compute
 * environment's MaxvCpus.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { basename, join } from 'path';
import { allStates, definitionOf, resourcesOfType, stateMachines, submittedJobName, TemplateJson } from '../../../scripts/lib/templates';
import { CliError } from '../errors';

export interface SimJobSpec {
  readonly name: string;
  readonly dependsOn: string[];
  readonly vcpu: number;
  readonly memoryMiB: number;
  readonly arraySize?: number;
  readonly arm64: boolean;
}

export interface PlatformModel {
  readonly stackName: string;
  /** The job workflow's definition, tokens written as `${LogicalId}`. */
  readonly definition: any;
  readonly jobs: SimJobSpec[];
  /** The compute environment's MaxvCpus (the largest, when on-demand and Spot differ). */
  readonly maxVcpus: number;
  /** vCPUs of a SubmitJob request, by its job definition placeholder. */
  readonly vcpuOf: (request: any) => number;
}

/** The template file: the file given, or in a cdk.out folder the `<stack>.template.json` that holds a platform. */
export function templateFile(path: string, stack?: string): string {
  if (!existsSync(path)) throw new CliError(`'${path}' does not exist: give a synthesized template (cdk.out/<stack>.template.json) or a cdk.out folder (run cdk synth first)`);
  if (!statSync(path).isDirectory()) return path;
  const candidates = readdirSync(path).filter(f => f.endsWith('.template.json'))
    .filter(f => stack === undefined || f === `${stack}.template.json`)
    .filter(f => jobWorkflowOf(JSON.parse(readFileSync(join(path, f), 'utf8'))) !== undefined);
  if (candidates.length === 1) return join(path, candidates[0]);
  if (candidates.length === 0) {
    throw new CliError(`no platform template${stack ? ` for stack ${stack}` : ''} in ${path}: run cdk synth (-c environment=...) first, or give the template file`);
  }
  throw new CliError(`${path} holds ${candidates.length} platform templates (${candidates.map(c => basename(c, '.template.json')).join(', ')}): pick one with --stack`);
}

function jobWorkflowOf(template: TemplateJson): any {
  const found = stateMachines(template).map(([, sm]) => definitionOf(sm))
    .filter(d => allStates(d).some(([, s]) => submittedJobName(s) !== undefined));
  return found.length === 1 ? found[0] : undefined;
}

const ref = (placeholder: unknown): string => String(placeholder).replace(/^\$\{(.*)\}$/, '$1');

/** Reads the model from a template file. */
export function loadPlatform(file: string): PlatformModel {
  const template = JSON.parse(readFileSync(file, 'utf8'));
  const definition = jobWorkflowOf(template);
  if (!definition) throw new CliError(`${file} has no platform job workflow (no state machine submits Batch jobs): is it a @sanders/batch-platform stack?`);
  const resources = template.Resources ?? {};
  const requirement = (jd: any, type: string) =>
    Number((jd?.Properties?.ContainerProperties?.ResourceRequirements ?? []).find((r: any) => r.Type === type)?.Value);
  const submitters = allStates(definition).filter(([, s]) => submittedJobName(s) !== undefined);
  const nameByKey = new Map(submitters.map(([, s]) => [String(s.ResultPath ?? '').split('.').pop(), submittedJobName(s)!]));
  const jobs = submitters.map(([, s]) => {
    const jd = resources[ref(s.Parameters.JobDefinition)];
    return {
      name: submittedJobName(s)!,
      dependsOn: (s.Parameters.DependsOn ?? []).map((d: any) => nameByKey.get(String(d['JobId.$']).split('.')[2])!),
      vcpu: requirement(jd, 'VCPU'),
      memoryMiB: requirement(jd, 'MEMORY'),
      arraySize: s.Parameters.ArrayProperties?.Size,
      arm64: jd?.Properties?.ContainerProperties?.RuntimePlatform?.CpuArchitecture === 'ARM64',
    };
  });
  const environments = resourcesOfType(template, 'AWS::Batch::ComputeEnvironment').map(([, r]) => Number(r.Properties.ComputeResources?.MaxvCpus));
  const vcpus = new Map(resourcesOfType(template, 'AWS::Batch::JobDefinition').map(([id, jd]) => [`\${${id}}`, requirement(jd, 'VCPU')]));
  return {
    stackName: basename(file, '.template.json'),
    definition,
    jobs,
    maxVcpus: Math.max(...environments),
    vcpuOf: request => vcpus.get(request.JobDefinition) ?? 1,
  };
}
