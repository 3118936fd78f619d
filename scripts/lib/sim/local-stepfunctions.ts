/**
 * aws-local-stepfunctions, with three bugs mended. (1) Its `States.Hash` (MD5, SHA-1, SHA-256) reads every
 * 64-byte block after the first at the wrong offset (the block's word index used as a byte offset), so any input
 * longer than 55 bytes hashes wrongly, and two execution ARNs that differ only near their end hash alike: the
 * job workflow's run tag (the MD5 of its execution ARN) would then be the same for runs of different dates, as it
 * never is in Step Functions. (2) Its type tests (`IsNull`, `IsPresent`, `IsNumeric`, `IsString`, `IsBoolean`,
 * `IsTimestamp`) return `<operand> && <test>`, so a rule with the operand `false` never matches: `IsPresent: false`
 * (aws-cdk-lib's `Condition.isNotPresent`, "Matches if variable is not present") never takes its branch, where the
 * ASL specification's data-test expressions compare the test's outcome with the operand. (3) Its Pass state outputs
 * its `Result` only when it is truthy (`if (this.stateDefinition.Result)`), so `Result: ''`, `false` or `0` pass the
 * input on instead, where the specification says a Pass state's `Result` "is treated as the output of a virtual
 * task". This loads the package's CommonJS build with all three corrected; every simulation and test uses it, and
 * test/sim-emulator.test.ts checks the hashes against node's crypto, each type test, both ways, against the
 * specification's examples, and falsy Results.
 * (The package's exports map sends `import` to an ES module that ts-jest cannot load: this reads the CJS build.)
 */
import * as fs from 'fs';
import * as path from 'path';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node >= 22). On Node 20 every Task state would fail
// inside with "Promise.withResolvers is not a function", which a States.ALL catch hides.
if (typeof (Promise as any).withResolvers !== 'function') {
  (Promise as any).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const BUGGY_READ = /dataView\.getUint32\(i \+ t \* 4/g;
/** `return IsPresentTrue && varValue !== void 0;` and its five siblings. */
const ONE_WAY_TYPE_TEST = /return (is\w+True|Is\w+True) && ([^;\n]+);/g;
const TYPE_TESTS = 6;
const TRUTHY_RESULT = /if \(this\.stateDefinition\.Result\) \{/g;

/** The package's build with all three mends; fails when the package no longer has the code they correct. */
export function mend(source: string): string {
  const hashReads = source.match(BUGGY_READ)?.length ?? 0;
  const typeTests = source.match(ONE_WAY_TYPE_TEST)?.length ?? 0;
  const passResults = source.match(TRUTHY_RESULT)?.length ?? 0;
  if (hashReads === 0 || typeTests !== TYPE_TESTS || passResults !== 1) {
    throw new Error(`aws-local-stepfunctions changed: found ${hashReads} hash block reads, ${typeTests} of ${TYPE_TESTS} type tests and `
      + `${passResults} of 1 Pass Result tests to mend; check whether its new version still needs scripts/lib/sim/local-stepfunctions.ts`);
  }
  return source.replace(BUGGY_READ, 'dataView.getUint32((i + t) * 4').replace(ONE_WAY_TYPE_TEST, 'return $1 === ($2);')
    .replace(TRUTHY_RESULT, 'if (this.stateDefinition.Result !== undefined) {');
}

/**
 * The mended build, written next to the package's own (so that its `require`s resolve as they do there) and loaded
 * with `require`, so that under jest it runs in the test's realm like any module.
 */
function load(): any {
  const file = require.resolve('aws-local-stepfunctions');
  if (!file.endsWith('.cjs')) throw new Error(`expected the CommonJS build of aws-local-stepfunctions, got ${file}`);
  const patched = mend(fs.readFileSync(file, 'utf8'));
  // A name of its own (earlier versions: `main.node.hash-mended.cjs`, hash only; `main.node.mended-v2.cjs`, two
  // mends): checkouts that still write an old one do not overwrite this one with their version, nor this theirs.
  const mended = path.join(path.dirname(file), 'main.node.mended-v3.cjs');
  // Written whole and then renamed: test workers that load it at the same time never read half a file.
  if (!fs.existsSync(mended) || fs.readFileSync(mended, 'utf8') !== patched) {
    fs.writeFileSync(`${mended}.${process.pid}`, patched);
    fs.renameSync(`${mended}.${process.pid}`, mended);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(mended);
}

const emulator = load();

/** The emulator's StateMachine class. */
export const StateMachine: any = emulator.StateMachine;
/** The error an execution that failed rejects with. */
export const ExecutionError: any = emulator.ExecutionError;
