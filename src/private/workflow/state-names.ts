/**
 * Every workflow job gives the job workflow states named after it (`Submit load`, `load failed`, `Find load`, ...),
 * and Step Functions wants every state name of a state machine unique. Job names have no spaces, so two names can
 * only meet where one job's prefix and another's suffix are words: a final job `Run` has `Run failed`, and so has a
 * final job `failed`; a final job `Job` has `Job failed`, which the failure report's own state is called. The
 * definition is built as an object, where the second state of a name would silently replace the first: so a
 * workflow whose names would meet is refused at synth (settings/workflow-checks.ts), naming the state and the jobs.
 */
import { finalRecoveryNames, lostStateName } from './submit-recovery';
import { buildWorkflowDefinition, JobSubmission } from './workflow-definition';
import { sinks } from './workflow-graph';
import { skipChoiceName, skippedName } from './workflow-resume';
import { sinkOutcomeNames, submitStateName, WorkflowOptions } from './workflow-states';

interface Job { readonly name: string; readonly dependsOn?: string[] }

/** The states a job gives the job workflow: as a final job (nothing depends on it) or as one that others depend on. */
export function jobStateNames(name: string, final: boolean): string[] {
  const own = [skipChoiceName(name), skippedName(name), submitStateName(name, final)];
  if (!final) return [...own, lostStateName(name)];
  return [...own, ...Object.values(sinkOutcomeNames(name)), ...Object.values(finalRecoveryNames(name))];
}

/** Every state name of a definition, in every Parallel branch and Map processor, as often as it occurs. */
export function allStateNames(definition: any): string[] {
  return Object.entries<any>(definition.States ?? {}).flatMap(([name, state]) => [
    name,
    ...(state.Branches ?? []).flatMap(allStateNames),
    ...(state.ItemProcessor ? allStateNames(state.ItemProcessor) : []),
  ]);
}

/** The workflow's own state names (not a job's), for a graph of this shape, with every option that adds states. */
function ownStateNames(jobs: Job[]): Set<string> {
  const neutral = new Map(jobs.map((j, i) => [j.name, `j${i}`]));
  const renamed: JobSubmission[] = jobs.map(j => ({
    name: neutral.get(j.name)!,
    jobDefinitionArn: 'arn',
    dependsOn: (j.dependsOn ?? []).map(d => neutral.get(d)!),
    environment: {},
    retryAttempts: 1,
    evaluateOnExit: [],
  }));
  const finals = new Set(sinks(renamed).map(j => j.name));
  const jobNames = new Set(renamed.flatMap(j => jobStateNames(j.name, finals.has(j.name))));
  const names = new Set<string>();
  for (const failureMode of ['STOP_ALL', 'FINISH_INDEPENDENT'] as const) {
    const options: WorkflowOptions = {
      runTimeoutSeconds: 3600, failureMode, logGroupName: 'logs', stateMachineName: 'jobs', runWorkflowName: 'runs', claimTableName: 'claims',
    };
    for (const name of allStateNames(buildWorkflowDefinition(renamed, 'queue', options))) if (!jobNames.has(name)) names.add(name);
  }
  return names;
}

/** The problems of a valid graph (names unique, dependencies known, no cycle) whose state names would meet. */
export function stateNameClashes(jobs: Job[]): string[] {
  const finals = new Set(sinks(jobs.map(j => ({ name: j.name, dependsOn: j.dependsOn ?? [] }))).map(j => j.name));
  const owners = new Map<string, string[]>();
  for (const job of jobs) {
    for (const state of jobStateNames(job.name, finals.has(job.name))) owners.set(state, [...(owners.get(state) ?? []), job.name]);
  }
  const own = ownStateNames(jobs);
  const problems: string[] = [];
  for (const [state, names] of owners) {
    if (names.length > 1) {
      problems.push(`workflow jobs ${names.map(n => `'${n}'`).join(' and ')} both give the job workflow a state named '${state}': rename one`);
    } else if (own.has(state)) {
      problems.push(`workflow job '${names[0]}' gives the job workflow a state named '${state}', a name of the workflow's own states: rename it`);
    }
  }
  return problems;
}
