/**
 * The last check of a run whose jobs all succeeded: is there a job of the run (its run-tagged name) that the run
 * does not know? Only a second copy of a job can be one: a SubmitJob whose answer was lost after Batch created the
 * job, and that `ListJobs` did not list in either of the two looks before the workflow submitted it again
 * (submit-recovery.ts; whether `ListJobs` lists a new job at once is not documented). Such a copy is terminated if
 * it has not ended, and the run fails with `JobsDuplicated`, naming it: its output may have been written twice.
 *
 * The jobs the run knows are every job ID in its data (`$.jobs`, and the final jobs' results), taken as the
 * pieces of their JSON text between quotes; every page of the run's jobs (`ListJobs`, the run's filter) is
 * checked against them, job by job.
 */
import { States } from './workflow-states';

export const DUPLICATES_ERROR = 'JobsDuplicated';

/** The reason Batch is given when a second copy is terminated. */
export const DUPLICATE_REASON = 'Workflow run: a second copy of a job (a SubmitJob answer was lost)';

export const DUPLICATE_STATES = {
  known: 'Duplicates: jobs the run knows',
  list: 'Duplicates: list jobs',
  listNext: 'Duplicates: list next page',
  each: 'Duplicates: each listed job',
  isKnown: 'Duplicates: known job?',
  own: 'Duplicates: the run\'s own job',
  ended: 'Duplicates: an ended copy',
  terminate: 'Duplicates: terminate the copy',
  terminated: 'Duplicates: a terminated copy',
  note: 'Duplicates: note page',
  more: 'Duplicates: more pages?',
  any: 'Duplicates: any?',
  describe: 'Duplicates: describe',
  failed: 'Jobs duplicated',
} as const;

/** A line of the report: a copy, its ID and what became of it. */
const MARK = 'a second copy';

function listJobs(token: boolean): { [key: string]: unknown } {
  const D = DUPLICATE_STATES;
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:batch:listJobs',
    Parameters: {
      'JobQueue.$': '$.run.queue',
      'Filters': [{ 'Name': 'JOB_NAME', 'Values.$': 'States.Array($.run.filter)' }],
      'MaxResults': 100,
      ...(token ? { 'NextToken.$': '$.dupPage.NextToken' } : {}),
    },
    ResultPath: '$.dupPage',
    Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' }],
    // The run's jobs succeeded: a check that cannot list them does not fail the run.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: D.any }],
    Next: D.each,
  };
}

/** What the check does with one listed job: nothing if the run knows it; else it names it, terminated if it runs. */
function copyProcessor(): { [key: string]: unknown } {
  const D = DUPLICATE_STATES;
  const line = (what: string) => ({
    Type: 'Pass',
    Parameters: { 'line.$': `States.Format('{} ({}): ${MARK}, ${what}', $.name, $.id, $.status)` },
    OutputPath: '$.line',
    End: true,
  });
  return {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: D.isKnown,
    States: {
      [D.isKnown]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.known', BooleanEquals: true, Next: D.own },
          { Or: ['SUCCEEDED', 'FAILED'].map(s => ({ Variable: '$.status', StringEquals: s })), Next: D.ended },
        ],
        Default: D.terminate,
      },
      [D.own]: { Type: 'Pass', Result: '', End: true },
      [D.ended]: line('{}'),
      [D.terminate]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:batch:terminateJob',
        Parameters: { 'JobId.$': '$.id', 'Reason': DUPLICATE_REASON },
        ResultPath: null,
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 4, BackoffRate: 2, JitterStrategy: 'FULL' }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: D.terminated }],
        Next: D.terminated,
      },
      [D.terminated]: line('terminated (it was {})'),
    },
  };
}

/** Adds the check, entered at `DUPLICATE_STATES.known` once the final jobs' results are at `$.sinks`; `next` follows it. */
export function addDuplicateCheckStates(states: States, next: string): void {
  const D = DUPLICATE_STATES;
  states[D.known] = {
    Type: 'Pass',
    Parameters: {
      'ids.$': "States.StringSplit(States.Format('{}{}', States.JsonToString($.jobs), States.JsonToString($.sinks)), '\"')",
      'text': '',
    },
    ResultPath: '$.dup',
    Next: D.list,
  };
  states[D.list] = listJobs(false);
  states[D.listNext] = listJobs(true);
  states[D.each] = {
    Type: 'Map',
    ItemsPath: '$.dupPage.JobSummaryList',
    ItemSelector: {
      'id.$': '$$.Map.Item.Value.JobId',
      'name.$': '$$.Map.Item.Value.JobName',
      'status.$': '$$.Map.Item.Value.Status',
      'known.$': 'States.ArrayContains($.dup.ids, $$.Map.Item.Value.JobId)',
    },
    MaxConcurrency: 40,
    ItemProcessor: copyProcessor(),
    ResultSelector: { 'text.$': 'States.JsonToString(States.ArrayUnique($))' },
    ResultPath: '$.dupPage.found',
    Next: D.note,
  };
  states[D.note] = {
    Type: 'Pass',
    Parameters: { 'ids.$': '$.dup.ids', 'text.$': "States.Format('{}{}', $.dup.text, $.dupPage.found.text)" },
    ResultPath: '$.dup',
    Next: D.more,
  };
  states[D.more] = {
    Type: 'Choice',
    Choices: [{ Variable: '$.dupPage.NextToken', IsPresent: true, Next: D.listNext }],
    Default: D.any,
  };
  states[D.any] = {
    Type: 'Choice',
    Choices: [{ And: [{ Variable: '$.dup.text', IsPresent: true }, { Variable: '$.dup.text', StringMatches: `*${MARK}*` }], Next: D.describe }],
    Default: next,
  };
  states[D.describe] = {
    Type: 'Pass',
    Parameters: {
      'error': DUPLICATES_ERROR,
      'cause.$': "States.Format('Run of {} ran a job twice: a SubmitJob answer was lost and ListJobs did not list the job it had created, "
        + "so it was submitted again; the output of each job named here may have been written twice. Copies: {}', $.date, $.dup.text)",
    },
    Next: D.failed,
  };
  states[D.failed] = { Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' };
}
