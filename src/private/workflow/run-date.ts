/**
 * The job workflow's first steps after its input check: the run date (given, or the execution's start date),
 * checked as a calendar date, then the run's data set up once for every job: its run tag and `ListJobs`
 * filter, the job queue and the jobs' retry strategies (which every SubmitJob names by path), a placeholder per job under `$.jobs`, and the resume's look-up as it is
 * when nothing is resumed.
 */
import { FINAL_TRIES_INITIAL, LOST_INITIAL } from './submit-recovery';
import { notResuming } from './workflow-resume';
import { isString, jobKey, runFilter, runTag, STATE_NAMES, States } from './workflow-states';

/**
 * Choice conditions that hold for a YYYY-MM-DD string whose day its month does not have. An RFC 3339 check
 * accepts any day 01-31; Step Functions has no date arithmetic, so the short months are listed, and
 * 29 February is allowed only in leap years: years ending in a multiple of 4 other than 00, and centuries
 * divisible by 400 (0000, 0400, ..., 9600).
 */
export function impossibleDays(path: string): Array<{ [key: string]: unknown }> {
  const two = (n: number) => String(n).padStart(2, '0');
  const leap = [
    ...Array.from({ length: 24 }, (_, i) => `*${two(4 * (i + 1))}-02-29`),
    ...Array.from({ length: 25 }, (_, i) => `${two(4 * i)}00-02-29`),
  ];
  return [
    ...['02-30', '02-31', '04-31', '06-31', '09-31', '11-31'].map(md => ({ Variable: path, StringMatches: `*-${md}` })),
    {
      And: [
        { Variable: path, StringMatches: '*-02-29' },
        { Not: { Or: leap.map(pattern => ({ Variable: path, StringMatches: pattern })) } },
      ],
    },
  ];
}

/** What the run's set-up needs to know of the workflow. */
export interface RunSetUp {
  /** The jobs that others depend on: each gets a placeholder under `$.jobs`, replaced once it is submitted. */
  readonly upstream: ReadonlyArray<{ readonly name: string }>;
  /** How many jobs the workflow has (the resume's look-up has one entry per job). */
  readonly jobCount: number;
  /** The jobs' retry strategies, each once (`$.run.retry[i]`, which each SubmitJob names). */
  readonly retryStrategies: unknown[];
  /** The job queue (`$.run.queue`, which each SubmitJob names). */
  readonly jobQueueArn: string;
}

/** The states that resolve the run date and set up the run's data, then go on to `first`. */
export function addDateStates(states: States, setUp: RunSetUp, first: string): void {
  const N = STATE_NAMES;
  // Every job that others depend on gets a placeholder under $.jobs, replaced by its ID once submitted, so the
  // failure path can list them with definite paths.
  const placeholders: { [key: string]: unknown } = {};
  for (const job of setUp.upstream) placeholders[jobKey(job.name)] = { JobName: job.name };
  states[N.resolveDate] = {
    Type: 'Choice',
    Comment: 'Every job gets the run date: the input\'s "date" (YYYY-MM-DD), or the execution\'s start date (UTC).',
    Choices: [
      { And: isString('$.date'), Next: N.givenDate },
      { Variable: '$.date', IsPresent: true, Next: N.invalidInput },
    ],
    Default: N.executionDate,
  };
  states[N.invalidInput] = {
    Type: 'Fail',
    Error: 'InvalidInput',
    Cause: 'the execution input\'s "date" must be a date YYYY-MM-DD, or be left out to use the execution\'s start date',
  };
  // `input` is the input as given, for the resume step (resumeFrom) and the run's summary.
  states[N.givenDate] = {
    Type: 'Pass',
    Parameters: { 'date.$': '$.date', 'input.$': '$', 'dateCheck.$': "States.Format('{}T00:00:00Z', $.date)" },
    Next: N.checkDate,
  };
  states[N.checkDate] = {
    Type: 'Choice',
    Comment: 'A YYYY-MM-DD date followed by T00:00:00Z is an RFC 3339 timestamp; anything else is not. '
      + 'Days a month does not have (31 April, 30 February, 29 February outside leap years) are refused first.',
    Choices: [
      { Or: impossibleDays('$.date'), Next: N.invalidInput },
      { Variable: '$.dateCheck', IsTimestamp: true, Next: N.setUp },
    ],
    Default: N.invalidInput,
  };
  states[N.executionDate] = {
    Type: 'Pass',
    Parameters: { 'date.$': "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)", 'input.$': '$' },
    Next: N.setUp,
  };
  states[N.setUp] = {
    Type: 'Pass',
    Comment: 'What every job of the run shares, written once: the run tag its Batch names carry, its ListJobs filter, the job queue and the retry strategies.',
    Parameters: {
      'date.$': '$.date',
      'input.$': '$.input',
      'run': { 'tag.$': runTag('$$.Execution.Id'), 'filter.$': runFilter('$$.Execution.Id'), 'queue': setUp.jobQueueArn, 'retry': setUp.retryStrategies },
      'jobs': placeholders,
      'resume': { 'found.$': notResuming(setUp.jobCount) },
      // The tries of a failed submission (submit-recovery.ts).
      'lost': LOST_INITIAL,
      'try': FINAL_TRIES_INITIAL,
    },
    Next: first,
  };
}
