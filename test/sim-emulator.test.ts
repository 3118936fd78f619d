/**
 * The emulator the simulations run in follows the Amazon States Language where the definitions rely on it (see
 * scripts/lib/sim/local-stepfunctions.ts): States.Hash as Step Functions computes it, and every Choice operator the
 * platform's definitions use, each run once here against expected outcomes from the specification.
 */
import * as crypto from 'crypto';
import { Template } from 'aws-cdk-lib/assertions';
import { platformStack } from './util';
import { mend, StateMachine } from '../scripts/lib/sim/local-stepfunctions';
import { allStates, definitionOf, stateMachines } from '../scripts/lib/templates';
import { OnJobFailure } from '../src';

const hashOf = async (text: string, algorithm: string): Promise<string> => {
  const machine = new StateMachine({ StartAt: 'Hash', States: { Hash: { Type: 'Pass', Parameters: { 'h.$': `States.Hash($.text, '${algorithm}')` }, End: true } } });
  return (await machine.run({ text }).result).h;
};

describe('States.Hash in the simulations', () => {
  const arn = (date: string) => `arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-workflow-prod:backfill-${date}-801d8edc24dcf57e40c76dc96743e26a`;

  test.each([
    ['MD5', 'md5'], ['SHA-1', 'sha1'], ['SHA-256', 'sha256'],
  ])('%s agrees with node\'s crypto for short and long inputs', async (algorithm, nodeName) => {
    for (const text of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'é'.repeat(70), arn('2024-02-28'), 'y'.repeat(1000)]) {
      expect(await hashOf(text, algorithm)).toBe(crypto.createHash(nodeName).update(text, 'utf8').digest('hex'));
    }
  });

  test('two execution ARNs that differ only in the date get different run tags', async () => {
    expect(await hashOf(arn('2024-02-28'), 'MD5')).not.toBe(await hashOf(arn('2024-03-01'), 'MD5'));
  });
});

/** The state a one-rule Choice goes to: `Match` or `Default`. */
async function choose(rule: any, input: any): Promise<string> {
  const machine = new StateMachine({
    StartAt: 'C',
    States: {
      C: { Type: 'Choice', Choices: [{ ...rule, Next: 'Matched' }], Default: 'Otherwise' },
      Matched: { Type: 'Pass', Result: 'Match', End: true },
      Otherwise: { Type: 'Pass', Result: 'Default', End: true },
    },
  });
  return machine.run(input).result;
}

describe('the ASL specification\'s Choice example (states-language.net, "Choice State")', () => {
  // The specification's "DispatchEvent" example: with the input {"type": "Private", "value": 22} "the interpreter
  // will transition to the "ValueInTwenties" state".
  const dispatchEvent = {
    StartAt: 'DispatchEvent',
    States: {
      DispatchEvent: {
        Type: 'Choice',
        Choices: [
          { Not: { Variable: '$.type', StringEquals: 'Private' }, Next: 'Public' },
          {
            And: [
              { Variable: '$.value', IsPresent: true },
              { Variable: '$.value', IsNumeric: true },
              { Variable: '$.value', NumericGreaterThanEquals: 20 },
              { Variable: '$.value', NumericLessThan: 30 },
            ],
            Next: 'ValueInTwenties',
          },
          { Variable: '$.rating', NumericGreaterThanPath: '$.auditThreshold', Next: 'StartAudit' },
        ],
        Default: 'RecordEvent',
      },
      ...Object.fromEntries(['Public', 'ValueInTwenties', 'StartAudit', 'RecordEvent'].map(s => [s, { Type: 'Pass', Result: s, End: true }])),
    },
  };
  test.each([
    [{ type: 'Private', value: 22 }, 'ValueInTwenties'],
    [{ type: 'Public', value: 22 }, 'Public'],
    // A rule whose Variable matches nothing is a runtime error in Step Functions (only IsPresent is exempt): these
    // reach the third rule, so they carry a rating.
    [{ type: 'Private', value: 30, rating: 1, auditThreshold: 4 }, 'RecordEvent'],
    [{ type: 'Private', value: '22', rating: 1, auditThreshold: 4 }, 'RecordEvent'],
    [{ type: 'Private', rating: 5, auditThreshold: 4 }, 'StartAudit'],
    [{ type: 'Private', rating: 4, auditThreshold: 4 }, 'RecordEvent'],
  ])('%j goes to %s', async (input, expected) => {
    const machine = new StateMachine(dispatchEvent);
    expect(await machine.run(input).result).toBe(expected);
  });
});

/**
 * One rule per Choice operator (with the operand it is used with), and inputs that must and must not match it.
 * The type tests' `false` operand is the negation (aws-cdk-lib's `Condition.isNotPresent`, "Matches if variable is
 * not present"; `isNotNull`, `isNotString`, ... likewise); for `IsPresent` the specification adds: "if the
 * Variable-field Path fails to match anything in the input no exception is thrown and the Choice Rule just returns
 * false".
 */
const OPERATORS: { [operator: string]: { rule: any; match: any[]; noMatch: any[] } } = {
  'IsPresent:true': { rule: { Variable: '$.a', IsPresent: true }, match: [{ a: 1 }, { a: null }, { a: false }], noMatch: [{}, { b: 1 }] },
  'IsPresent:false': { rule: { Variable: '$.a', IsPresent: false }, match: [{}, { b: 1 }], noMatch: [{ a: 1 }, { a: null }, { a: false }] },
  'IsNull:true': { rule: { Variable: '$.a', IsNull: true }, match: [{ a: null }], noMatch: [{ a: 0 }, { a: 'null' }] },
  'IsNull:false': { rule: { Variable: '$.a', IsNull: false }, match: [{ a: 0 }, { a: 'null' }], noMatch: [{ a: null }] },
  'IsBoolean:true': { rule: { Variable: '$.a', IsBoolean: true }, match: [{ a: true }, { a: false }], noMatch: [{ a: 'true' }, { a: 1 }] },
  'IsBoolean:false': { rule: { Variable: '$.a', IsBoolean: false }, match: [{ a: 'true' }, { a: 1 }], noMatch: [{ a: true }, { a: false }] },
  'IsNumeric:true': { rule: { Variable: '$.a', IsNumeric: true }, match: [{ a: 0 }, { a: 1.5 }], noMatch: [{ a: '1' }] },
  'IsNumeric:false': { rule: { Variable: '$.a', IsNumeric: false }, match: [{ a: '1' }], noMatch: [{ a: 0 }] },
  'IsString:true': { rule: { Variable: '$.a', IsString: true }, match: [{ a: '' }, { a: 'x' }], noMatch: [{ a: 1 }] },
  'IsString:false': { rule: { Variable: '$.a', IsString: false }, match: [{ a: 1 }], noMatch: [{ a: '' }] },
  'IsTimestamp:true': { rule: { Variable: '$.a', IsTimestamp: true }, match: [{ a: '2016-03-14T01:59:00Z' }], noMatch: [{ a: '2016-03-14' }] },
  'IsTimestamp:false': { rule: { Variable: '$.a', IsTimestamp: false }, match: [{ a: '2016-03-14' }], noMatch: [{ a: '2016-03-14T01:59:00Z' }] },
  'StringEquals': { rule: { Variable: '$.a', StringEquals: 'RUNNING' }, match: [{ a: 'RUNNING' }], noMatch: [{ a: 'running' }, { a: 'RUNNING ' }] },
  'StringEqualsPath': { rule: { Variable: '$.a', StringEqualsPath: '$.b' }, match: [{ a: 'x', b: 'x' }], noMatch: [{ a: 'x', b: 'y' }] },
  'StringMatches': { rule: { Variable: '$.a', StringMatches: 'foo*.log' }, match: [{ a: 'foo23.log' }, { a: 'foo.log' }], noMatch: [{ a: 'foo23.txt' }] },
  'StringLessThan': { rule: { Variable: '$.a', StringLessThan: '2024-02-01' }, match: [{ a: '2024-01-31' }], noMatch: [{ a: '2024-02-01' }] },
  'StringGreaterThan': { rule: { Variable: '$.a', StringGreaterThan: '2024-02-01' }, match: [{ a: '2024-02-02' }], noMatch: [{ a: '2024-02-01' }] },
  'StringLessThanEquals': { rule: { Variable: '$.a', StringLessThanEquals: 'b' }, match: [{ a: 'b' }, { a: 'a' }], noMatch: [{ a: 'c' }] },
  'StringGreaterThanEquals': { rule: { Variable: '$.a', StringGreaterThanEquals: 'b' }, match: [{ a: 'b' }, { a: 'c' }], noMatch: [{ a: 'a' }] },
  'StringLessThanEqualsPath': { rule: { Variable: '$.a', StringLessThanEqualsPath: '$.b' }, match: [{ a: 'b', b: 'b' }], noMatch: [{ a: 'c', b: 'b' }] },
  'StringGreaterThanPath': { rule: { Variable: '$.a', StringGreaterThanPath: '$.b' }, match: [{ a: 'c', b: 'b' }], noMatch: [{ a: 'b', b: 'b' }] },
  'StringLessThanPath': { rule: { Variable: '$.a', StringLessThanPath: '$.b' }, match: [{ a: 'a', b: 'b' }], noMatch: [{ a: 'b', b: 'b' }] },
  'StringGreaterThanEqualsPath': { rule: { Variable: '$.a', StringGreaterThanEqualsPath: '$.b' }, match: [{ a: 'b', b: 'b' }], noMatch: [{ a: 'a', b: 'b' }] },
  'NumericEquals': { rule: { Variable: '$.a', NumericEquals: 0 }, match: [{ a: 0 }], noMatch: [{ a: 1 }] },
  'NumericEqualsPath': { rule: { Variable: '$.a', NumericEqualsPath: '$.b' }, match: [{ a: 2, b: 2 }], noMatch: [{ a: 2, b: 3 }] },
  'NumericLessThan': { rule: { Variable: '$.a', NumericLessThan: 30 }, match: [{ a: 29 }], noMatch: [{ a: 30 }] },
  'NumericGreaterThan': { rule: { Variable: '$.a', NumericGreaterThan: 300 }, match: [{ a: 301 }], noMatch: [{ a: 300 }] },
  'NumericLessThanEquals': { rule: { Variable: '$.a', NumericLessThanEquals: 30 }, match: [{ a: 30 }], noMatch: [{ a: 31 }] },
  'NumericGreaterThanEquals': { rule: { Variable: '$.a', NumericGreaterThanEquals: 290 }, match: [{ a: 290 }], noMatch: [{ a: 289 }] },
  'NumericLessThanPath': { rule: { Variable: '$.a', NumericLessThanPath: '$.b' }, match: [{ a: 1, b: 2 }], noMatch: [{ a: 2, b: 2 }] },
  'NumericGreaterThanPath': { rule: { Variable: '$.a', NumericGreaterThanPath: '$.b' }, match: [{ a: 3, b: 2 }], noMatch: [{ a: 2, b: 2 }] },
  'NumericLessThanEqualsPath': { rule: { Variable: '$.a', NumericLessThanEqualsPath: '$.b' }, match: [{ a: 2, b: 2 }], noMatch: [{ a: 3, b: 2 }] },
  'NumericGreaterThanEqualsPath': { rule: { Variable: '$.a', NumericGreaterThanEqualsPath: '$.b' }, match: [{ a: 2, b: 2 }], noMatch: [{ a: 1, b: 2 }] },
  'BooleanEquals': { rule: { Variable: '$.a', BooleanEquals: true }, match: [{ a: true }], noMatch: [{ a: false }, { a: 'true' }] },
  'BooleanEqualsPath': { rule: { Variable: '$.a', BooleanEqualsPath: '$.b' }, match: [{ a: false, b: false }], noMatch: [{ a: true, b: false }] },
  'TimestampLessThan': { rule: { Variable: '$.a', TimestampLessThan: '2016-03-14T01:59:00Z' }, match: [{ a: '2016-03-14T01:58:59Z' }], noMatch: [{ a: '2016-03-14T01:59:00Z' }] },
  'TimestampGreaterThan': { rule: { Variable: '$.a', TimestampGreaterThan: '2016-03-14T01:59:00Z' }, match: [{ a: '2016-03-14T01:59:01Z' }], noMatch: [{ a: '2016-03-14T01:59:00Z' }] },
  'TimestampLessThanPath': { rule: { Variable: '$.a', TimestampLessThanPath: '$.b' }, match: [{ a: '2016-03-14T01:58:59Z', b: '2016-03-14T01:59:00Z' }], noMatch: [{ a: '2016-03-14T01:59:00Z', b: '2016-03-14T01:59:00Z' }] },
  'TimestampGreaterThanEqualsPath': { rule: { Variable: '$.a', TimestampGreaterThanEqualsPath: '$.b' }, match: [{ a: '2016-03-14T01:59:00Z', b: '2016-03-14T01:59:00Z' }], noMatch: [{ a: '2016-03-14T01:58:59Z', b: '2016-03-14T01:59:00Z' }] },
  'And': { rule: { And: [{ Variable: '$.a', IsPresent: true }, { Variable: '$.a', NumericEquals: 1 }] }, match: [{ a: 1 }], noMatch: [{}, { a: 2 }] },
  'Or': { rule: { Or: [{ Variable: '$.a', NumericEquals: 1 }, { Variable: '$.a', NumericEquals: 2 }] }, match: [{ a: 1 }, { a: 2 }], noMatch: [{ a: 3 }] },
  'Not': { rule: { Not: { Variable: '$.a', StringEquals: 'Private' } }, match: [{ a: 'Public' }], noMatch: [{ a: 'Private' }] },
};

/** Every operator of every Choice rule of a definition, `IsX:true|false` for the type tests. */
function operatorsOf(definition: any): string[] {
  const found: string[] = [];
  const visit = (rule: any) => {
    for (const [key, value] of Object.entries(rule)) {
      if (key === 'Variable' || key === 'Next' || key === 'Comment') continue;
      found.push(key.startsWith('Is') ? `${key}:${value}` : key);
      if (key === 'And' || key === 'Or') (value as any[]).forEach(visit);
      if (key === 'Not') visit(value);
    }
  };
  for (const [, state] of allStates(definition)) if (state.Type === 'Choice') state.Choices.forEach(visit);
  return found;
}

describe('every Choice operator of the platform\'s definitions, in the emulator', () => {
  test.each(Object.keys(OPERATORS))('%s matches what it should and nothing else', async (operator) => {
    const { rule, match, noMatch } = OPERATORS[operator];
    for (const input of match) expect([input, await choose(rule, input)]).toEqual([input, 'Match']);
    for (const input of noMatch) expect([input, await choose(rule, input)]).toEqual([input, 'Default']);
  });

  test('the table above covers every operator of every state machine of a dev and a prod platform', () => {
    const used = new Set<string>();
    for (const props of [{}, { environment: 'prod' }, { onJobFailure: OnJobFailure.FINISH_INDEPENDENT }]) {
      const template = Template.fromStack(platformStack(props).stack).toJSON();
      for (const [, machine] of stateMachines(template)) operatorsOf(definitionOf(machine)).forEach(o => used.add(o));
    }
    // The run workflow's "Lock still held?" (IsPresent false) is the rule the mend is for: it must be among them.
    expect(used).toContain('IsPresent:false');
    expect([...used].filter(o => !(o in OPERATORS))).toEqual([]);
  });
});

describe('the mend of the package build', () => {
  test('corrects the one-way type tests, the hash block read and the Pass Result test, and refuses a build without them', () => {
    const source = [
      'x = dataView.getUint32(i + t * 4, false);',
      ...['isNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'].map(n => `return ${n}True && check(varValue);`),
      'if (this.stateDefinition.Result) {',
    ].join('\n');
    const mended = mend(source);
    expect(mended).toContain('dataView.getUint32((i + t) * 4, false);');
    expect(mended).toContain('return IsPresentTrue === (check(varValue));');
    expect(mended).toContain('return isNullTrue === (check(varValue));');
    expect(mended).not.toMatch(/True && /);
    expect(mended).toContain('if (this.stateDefinition.Result !== undefined) {');
    expect(() => mend(source.replace('return IsTimestampTrue && check(varValue);', ''))).toThrow(/found 1 hash block reads, 5 of 6 type tests and 1 of 1/);
    expect(() => mend(source.replace('if (this.stateDefinition.Result) {', ''))).toThrow(/6 of 6 type tests and 0 of 1 Pass Result tests/);
  });
});

/**
 * "Result (Optional): Refers to the output of a virtual task that is passed on to the next state" (states-language.net,
 * Pass State): a falsy Result is the output all the same. The resume's look-up (`Result: ''`, `Result: false`) and
 * the duplicate check (`''`) rely on it.
 */
describe('a Pass state with a falsy Result', () => {
  test.each([[''], [false], [0], [null]])('outputs %j, not its input', async result => {
    const machine = new StateMachine({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });
    expect(await machine.run({ input: 'not this' }).result).toBe(result);
  });

  test('a Result with ResultPath goes where ResultPath says', async () => {
    const machine = new StateMachine({ StartAt: 'P', States: { P: { Type: 'Pass', Result: false, ResultPath: '$.r', End: true } } });
    expect(await machine.run({ a: 1 }).result).toEqual({ a: 1, r: false });
  });
});
