/**
 * FINISH_INDEPENDENT: after a failure, the watch terminates a job only when one of the jobs it depends on has
 * failed, read from Batch's own record of its dependencies (`DescribeJobs` `dependsOn`), never from its status
 * alone. A PENDING job is not necessarily blocked: an array job's parent "can enter a SUBMITTED, PENDING, FAILED,
 * or SUCCEEDED status ... never enters a RUNNABLE or RUNNING status" and remains "in PENDING status while child
 * jobs are running" (Batch user guide, array jobs; ListJobs), and the `JOB_NAME` filter does not return the
 * children. So a parent whose children run, and the jobs that wait for it, are left alone.
 *
 * A look that terminated a job looks again after a few seconds, so that a chain of jobs Batch holds PENDING
 * (instead of failing them) is ended link by link within one look, at most `MAX_RELOOKS` links a look.
 */
import { hasStatus, States } from './workflow-states';

/** The most immediate looks again after terminating blocked jobs, before the watch waits its interval. */
export const MAX_RELOOKS = 20;

const retry = [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 4, BackoffRate: 2, JitterStrategy: 'FULL' }];

/** The processor that decides, for one job of the page, whether it is blocked by a failed job, and terminates it. */
function blockedProcessor(p: string): { [key: string]: unknown } {
  const n = (s: string) => `${p}blocked: ${s}`;
  const describe = (jobs: string, selector: { [key: string]: string }, resultPath: string, next: string) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:batch:describeJobs',
    Parameters: { 'Jobs.$': jobs },
    ResultSelector: selector,
    ResultPath: resultPath,
    Retry: retry,
    // A job this look cannot read is the next look's to decide.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: n('leave') }],
    Next: next,
  });
  return {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: n('pending?'),
    States: {
      [n('pending?')]: { Type: 'Choice', Choices: [{ Variable: '$.Status', StringEquals: 'PENDING', Next: n('describe') }], Default: n('leave') },
      [n('describe')]: describe('States.Array($.JobId)', { 'jobs.$': '$.Jobs' }, '$.described', n('depends?')),
      [n('depends?')]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.described.jobs[0].DependsOn[0].JobId', IsPresent: true, Next: n('dependency ids') }],
        Default: n('leave'),
      },
      [n('dependency ids')]: {
        Type: 'Map',
        ItemsPath: '$.described.jobs[0].DependsOn',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: n('dependency id'),
          States: { [n('dependency id')]: { Type: 'Pass', OutputPath: '$.JobId', End: true } },
        },
        ResultPath: '$.dependencyIds',
        Next: n('describe dependencies'),
      },
      // A job depends on at most 20 jobs; DescribeJobs takes up to 100.
      [n('describe dependencies')]: describe('$.dependencyIds', { 'text.$': 'States.JsonToString($.Jobs)' }, '$.dependencies', n('dependency failed?')),
      [n('dependency failed?')]: {
        Type: 'Choice',
        Choices: [{ ...hasStatus('$.dependencies.text', ['FAILED']), Next: n('terminate') }],
        Default: n('leave'),
      },
      [n('terminate')]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:batch:terminateJob',
        Parameters: { 'JobId.$': '$.JobId', 'Reason.$': '$.Reason' },
        Retry: retry,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: n('leave') }],
        Next: n('terminated'),
      },
      [n('terminated')]: { Type: 'Pass', Result: 'yes', End: true },
      [n('leave')]: { Type: 'Pass', Result: '', End: true },
    },
  };
}

/**
 * The states that terminate the jobs of the page blocked by a failed job, then go on to `next`, or look again
 * (`relook`) when one was terminated. `p` is the watch's prefix with its separator (`Watch: `).
 */
export function terminateBlockedStates(p: string, next: string, relook: string): States {
  return {
    [`${p}terminate blocked`]: {
      Type: 'Map',
      Comment: 'Terminates each job of the page that depends on a job that failed; jobs that do not are left to run.',
      ItemsPath: '$.watchPage.page.JobSummaryList',
      ItemSelector: { 'JobId.$': '$$.Map.Item.Value.JobId', 'Status.$': '$$.Map.Item.Value.Status', 'Reason.$': '$.watch.reason' },
      MaxConcurrency: 10,
      ItemProcessor: blockedProcessor(p),
      ResultSelector: { 'any.$': "States.ArrayContains($, 'yes')" },
      ResultPath: '$.watchPage.terminated',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: next }],
      Next: `${p}terminated any?`,
    },
    [`${p}terminated any?`]: {
      Type: 'Choice',
      Choices: [{
        And: [{ Variable: '$.watchPage.terminated.any', BooleanEquals: true }, { Variable: '$.watch.again', NumericLessThan: MAX_RELOOKS }],
        Next: relook,
      }],
      Default: next,
    },
  };
}
