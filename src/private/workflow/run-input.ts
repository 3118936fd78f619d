/**
 * The check of a start's input, before anything runs: every state machine a user may start (the job workflow, the
 * backfill, the run workflow) refuses a key it does not read, naming the keys it reads, and, where it must be
 * started by another state machine (with on-demand egress, the job workflow and the backfill run only under the run
 * workflow, which creates the egress their jobs need), refuses a direct start naming the state machine to start.
 *
 * The States Language has no way to list an object's keys, so the check counts them: the input is merged over an
 * object of the known keys (each `0`: CDK drops a `null` from a state's parameters), and the known keys merged over
 * that again, which leaves the known keys `0` and any other key as given. Its JSON text then has exactly as many `:` as the known keys' object when, and
 * only when, there is no other key: each other key adds its own `:` (a key or value with `:` in it only adds more).
 * The count is `States.ArrayLength(States.StringSplit(text, ':'))`; each part after a key's `:` starts with its
 * value, never empty, so the count holds whether or not StringSplit keeps empty parts.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { States } from './workflow-states';

/** The key Step Functions adds to a child's input when a parent execution starts it with `associateWithParent`. */
export const STARTED_BY = 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID';

/** The error of a refused input. */
export const INVALID_INPUT = 'InvalidInput';

export interface InputCheckProps {
  /** The state machine's name, as the errors name it. */
  readonly machine: string;
  /** Each key the state machine reads, with what it must be (for the error). */
  readonly keys: { [key: string]: string };
  /** A prefix of the check's state names (unique in the state machine). */
  readonly prefix: string;
  /** The state after the check, with the input as given. */
  readonly next: string;
  /**
   * Only starts by an execution of one of these state machines (their names) are accepted, read from `STARTED_BY`;
   * `instead` names the state machine to start instead.
   * @default - any start
   */
  readonly startedBy?: { readonly names: string[]; readonly instead: string };
  /** Keys whose value, when given, must be a JSON object (it is merged with another later). @default - none */
  readonly objectKeys?: string[];
}

/** Text for a literal part of `States.Format`: `'`, `{`, `}` and `\` escaped. */
export function formatLiteral(text: string): string {
  return text.replace(/[\\'{}]/g, c => `\\${c}`);
}

/** The state names of the check, by role. */
export function inputCheckNames(prefix: string) {
  return {
    object: `${prefix}: read input`,
    isObject: `${prefix}: input an object?`,
    notObject: `${prefix}: input not an object`,
    read: `${prefix}: read input keys`,
    mask: `${prefix}: mask known keys`,
    count: `${prefix}: count keys`,
    known: `${prefix}: only known keys?`,
    unknownText: `${prefix}: describe unknown key`,
    unknown: `${prefix}: unknown key`,
    parent: `${prefix}: started by?`,
    directText: `${prefix}: describe direct start`,
    direct: `${prefix}: started directly`,
    restore: `${prefix}: input checked`,
  };
}

/** What the refusal of an unknown key says, after the input's JSON. */
export function unknownKeyText(p: InputCheckProps): string {
  const keys = Object.entries(p.keys).map(([k, what]) => `${k} (${what})`).join(', ');
  return `has a key ${p.machine} does not read (a typo?): it reads only ${keys}`;
}

/** The ASL states of the check (for definitions written as JSON: the job workflow, the backfill). */
export function inputCheckStates(p: InputCheckProps): States {
  const N = inputCheckNames(p.prefix);
  const known = Object.fromEntries([...Object.keys(p.keys), ...(p.startedBy ? [STARTED_BY] : [])].map(k => [k, 0]));
  const colons = (path: string) => `States.ArrayLength(States.StringSplit(States.JsonToString(${path}), ':'))`;
  const states: States = {
    // JsonMerge fails with States.Runtime (which no Catch catches) on anything but an object: checked first.
    [N.object]: { Type: 'Pass', Parameters: { 'given.$': '$', 'text.$': 'States.JsonToString($)' }, Next: N.isObject },
    [N.isObject]: { Type: 'Choice', Choices: [{ Variable: '$.text', StringMatches: '{*', Next: N.read }], Default: N.notObject },
    [N.notObject]: { Type: 'Fail', Error: INVALID_INPUT, Cause: `the execution input of ${p.machine} must be a JSON object, e.g. {}` },
    [N.read]: { Type: 'Pass', Parameters: { 'given.$': '$.given', known }, Next: N.mask },
    [N.mask]: {
      Type: 'Pass',
      // Each merge starts from a copy (StringToJson of JsonToString): aws-local-stepfunctions' JsonMerge writes into
      // its first argument, which would change the definition's own object of known keys for every later run.
      Parameters: {
        'given.$': '$.given',
        'known.$': '$.known',
        'masked.$': 'States.JsonMerge(States.JsonMerge(States.StringToJson(States.JsonToString($.known)), $.given, false), $.known, false)',
      },
      Next: N.count,
    },
    [N.count]: { Type: 'Pass', Parameters: { 'given.$': '$.given', 'count.$': colons('$.masked'), 'expected.$': colons('$.known') }, Next: N.known },
    [N.known]: { Type: 'Choice', Choices: [{ Variable: '$.count', NumericEqualsPath: '$.expected', Next: N.restore }], Default: N.unknownText },
    [N.unknownText]: {
      Type: 'Pass',
      Parameters: { 'text.$': `States.Format('the execution input {} ${formatLiteral(unknownKeyText(p))}', States.JsonToString($.given))` },
      Next: N.unknown,
    },
    [N.unknown]: { Type: 'Fail', Error: INVALID_INPUT, CausePath: '$.text' },
    [N.restore]: { Type: 'Pass', OutputPath: '$.given', Next: p.next },
  };
  // Each object key, checked in turn after the keys (and the parent), before the input is restored.
  let after = N.restore;
  for (const key of [...(p.objectKeys ?? [])].reverse()) {
    const [given, read, isObject, fail] = [`${p.prefix}: ${key} given?`, `${p.prefix}: read ${key}`, `${p.prefix}: ${key} an object?`, `${p.prefix}: ${key} not an object`];
    states[given] = { Type: 'Choice', Choices: [{ Variable: `$.given.${key}`, IsPresent: true, Next: read }], Default: after };
    states[read] = { Type: 'Pass', Parameters: { 'given.$': '$.given', 'text.$': `States.JsonToString($.given.${key})` }, Next: isObject };
    states[isObject] = { Type: 'Choice', Choices: [{ Variable: '$.text', StringMatches: '{*', Next: after }], Default: fail };
    states[fail] = { Type: 'Fail', Error: INVALID_INPUT, Cause: `"${key}" in the execution input of ${p.machine} must be a JSON object: ${p.keys[key]}` };
    after = given;
  }
  (states[N.known] as any).Choices[0].Next = p.startedBy ? N.parent : after;
  if (p.startedBy) {
    const by = `$.given.${STARTED_BY}`;
    states[N.parent] = {
      Type: 'Choice',
      Choices: [{
        And: [
          { Variable: by, IsPresent: true },
          { Variable: by, IsString: true },
          { Or: p.startedBy.names.map(name => ({ Variable: by, StringMatches: `arn:*:states:*:*:execution:${name}:*` })) },
        ],
        Next: after,
      }],
      Default: N.directText,
    };
    const text = `${p.machine} runs jobs that need the on-demand egress, which only ${p.startedBy.names[0]} creates: start ${p.startedBy.instead} instead; this execution was not started by ${p.startedBy.names.join(' or ')}, its input is `;
    states[N.directText] = {
      Type: 'Pass',
      Parameters: { 'text.$': `States.Format('${formatLiteral(text)}{}', States.JsonToString($.given))` },
      Next: N.direct,
    };
    states[N.direct] = { Type: 'Fail', Error: INVALID_INPUT, CausePath: '$.text' };
  }
  return states;
}

/** A Choice rule written in the States Language. */
class AslCondition extends sfn.Condition {
  constructor(private readonly rule: { [key: string]: unknown }) {
    super();
  }

  public renderCondition(): any {
    return this.rule;
  }
}

/** A retrier written in the States Language, as CDK's props. */
function retryProps(r: any): sfn.RetryProps {
  const seconds = (n?: number) => (n === undefined ? undefined : Duration.seconds(n));
  const jitter = r.JitterStrategy === undefined ? undefined : r.JitterStrategy === 'FULL' ? sfn.JitterType.FULL : sfn.JitterType.NONE;
  return {
    errors: r.ErrorEquals,
    interval: seconds(r.IntervalSeconds),
    maxAttempts: r.MaxAttempts,
    backoffRate: r.BackoffRate,
    maxDelay: seconds(r.MaxDelaySeconds),
    jitterStrategy: jitter,
  };
}

/**
 * The same states as CDK states under `scope` (for a definition built with CDK: the run workflow), from `start`;
 * a `Next` that is not one of them goes to `exits[name]`.
 */
export function toCdkStates(scope: Construct, idPrefix: string, states: States, start: string, exits: { [name: string]: sfn.IChainable }): sfn.State {
  const built: { [name: string]: sfn.State } = {};
  const target = (name: string): sfn.IChainable => built[name] ?? build(name) ?? exits[name];
  const build = (name: string): sfn.State | undefined => {
    const s = states[name] as any;
    if (!s) return undefined;
    const id = `${idPrefix}${Object.keys(states).indexOf(name)}`;
    if (s.Type === 'Fail') return (built[name] = new sfn.Fail(scope, id, { stateName: name, error: s.Error, cause: s.Cause, causePath: s.CausePath }));
    if (s.Type === 'Pass') {
      const pass = built[name] = new sfn.Pass(scope, id, { stateName: name, parameters: s.Parameters, outputPath: s.OutputPath });
      pass.next(target(s.Next));
      return pass;
    }
    if (s.Type === 'Task') {
      // Retry and Catch through CDK, so that a state reached only by a Catch is part of the graph CDK renders. A
      // CustomState takes no stateName: its construct ID is its name.
      const { Next, Retry, Catch, ...stateJson } = s;
      const task = built[name] = new sfn.CustomState(scope, name, { stateJson });
      for (const r of Retry ?? []) task.addRetry(retryProps(r));
      for (const c of Catch ?? []) {
        task.addCatch(target(c.Next), { errors: c.ErrorEquals, resultPath: c.ResultPath === null ? sfn.JsonPath.DISCARD : c.ResultPath });
      }
      task.next(target(Next));
      return task;
    }
    if (s.Type !== 'Choice') throw new Error(`internal: no CDK form of a ${s.Type} state`);
    const choice = built[name] = new sfn.Choice(scope, id, { stateName: name });
    for (const { Next, ...rule } of s.Choices) choice.when(new AslCondition(rule), target(Next));
    choice.otherwise(target(s.Default));
    return choice;
  };
  return build(start)!;
}

/** The keys the job workflow reads, as its refusal names them. */
export const JOB_WORKFLOW_KEYS = {
  date: 'the run date, YYYY-MM-DD; left out: the day the execution started, UTC',
  resumeFrom: 'the ARN of a failed run to resume',
  scheduledTime: 'set by the schedule',
};

/** The keys the backfill reads, as its refusal names them. */
export const BACKFILL_KEYS = {
  from: 'the first date, YYYY-MM-DD',
  to: 'the last date, YYYY-MM-DD',
  maxConcurrency: 'dates at a time, 1 to 40',
  stopOnFailure: 'true or false',
};

/** The keys the run workflow reads, as its refusal names them. */
export const RUN_WORKFLOW_KEYS = {
  ...JOB_WORKFLOW_KEYS,
  backfill: 'a backfill input, {"from": ..., "to": ...}',
  teardownOnly: 'set by the rule that cleans up after a stopped run',
  stoppedRun: 'set by that rule',
};

/** Who may start the job workflow and the backfill: anyone, or with on-demand egress only these executions. */
export interface StartedBy {
  /** The run workflow's name. */
  readonly runWorkflow: string;
  /** The backfill's name (the job workflow is also started by the backfill, itself started by the run workflow). */
  readonly backfill: string;
}

/** The check at the start of the job workflow. */
export function jobWorkflowInputStates(machine: string, next: string, startedBy?: StartedBy): States {
  return inputCheckStates({
    machine,
    keys: { ...JOB_WORKFLOW_KEYS, [STARTED_BY]: 'set by Step Functions when the backfill or the run workflow starts a run' },
    prefix: 'Input',
    next,
    ...(startedBy ? { startedBy: { names: [startedBy.runWorkflow, startedBy.backfill], instead: `${startedBy.runWorkflow} with the same input` } } : {}),
  });
}

/** The check at the start of the run workflow, as CDK states, going on to `next`. */
export function runWorkflowInputCheck(scope: Construct, machine: string, next: sfn.IChainable): sfn.State {
  const states = inputCheckStates({ machine, keys: RUN_WORKFLOW_KEYS, prefix: 'Input', next: 'next', objectKeys: ['backfill'] });
  return toCdkStates(scope, 'RunInputCheck', states, Object.keys(states)[0], { next });
}
