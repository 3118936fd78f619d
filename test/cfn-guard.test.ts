/**
 * AWS Control Tower proactive controls (cfn-guard) over the example stacks and a default-props consumer.
 * The validator does not throw on a failed check: it writes a report and sets `process.exitCode`, so each
 * test reads the report.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack } from 'aws-cdk-lib';
import { GUARD_RULES_DISABLED, GUARD_RULES_DISABLED_IN_DEV, guardRulesDisabledFor } from './guard-rules';
import { SandersBatchPlatform } from '../src';
import { SandersCustomerPlatformStack } from './integ/platform-stack';

jest.setTimeout(120_000);

interface GuardViolation {
  /** The rule file name, e.g. `ct-s3-pr-9`. */
  readonly rule: string;
  readonly resources: string[];
}

interface GuardRun {
  readonly status: string;
  readonly violations: GuardViolation[];
}

/** Synthesizes one stack with the Guard validator and returns the validator's report. */
function runGuard(environment: string, disabledRules: string[], consumer = false): GuardRun {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
  const exitCode = process.exitCode;
  // The validation report is printed to the console; the test reads it instead.
  const quiet = ['log', 'error', 'warn'].map(m => jest.spyOn(console, m as 'log').mockImplementation(() => undefined));
  try {
    const validator = new CfnGuardValidator({ disabledRules });
    // Keep the validator's own report: the JSON report file lists only the plugins that failed.
    let report: any;
    const validate = validator.validate.bind(validator);
    validator.validate = context => (report = validate(context));
    const app = new App({ outdir, policyValidationBeta1: [validator] });
    if (consumer) {
      new SandersBatchPlatform(new Stack(app, 'ConsumerStack'), 'Platform');
    } else {
      new SandersCustomerPlatformStack(app, environment);
    }
    app.synth();
    expect(report).toBeDefined();
    const file = JSON.parse(fs.readFileSync(path.join(outdir, 'policy-validation-report.json'), 'utf8'));
    const failed = file.pluginReports.some((p: any) => p.summary.pluginName === 'cdk-validator-cfnguard');
    expect(failed).toBe(!report.success);
    const violations: GuardViolation[] = report.violations.map((v: any) => {
      const id = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(v.description ?? '')?.[1] ?? v.ruleName;
      return {
        rule: id.toLowerCase().replace(/\./g, '-'),
        resources: v.violatingResources.map((r: any) => r.resourceLogicalId),
      };
    });
    return { status: report.success ? 'success' : 'failure', violations };
  } finally {
    // A failed check sets the exit code of the whole jest process.
    process.exitCode = exitCode;
    quiet.forEach(spy => spy.mockRestore());
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('cfn-guard (Control Tower proactive controls)', () => {
  test.each(['dev', 'prod'])('passes on the example %s stack with only the documented rules disabled', (environment) => {
    // WHEN
    const run = runGuard(environment, guardRulesDisabledFor(environment));

    // THEN
    expect(run.violations).toEqual([]);
    expect(run.status).toBe('success');
  });

  test('passes on a default-props consumer stack (dev) with only the documented rules disabled', () => {
    const run = runGuard('dev', guardRulesDisabledFor('dev'), true);
    expect(run.violations).toEqual([]);
    expect(run.status).toBe('success');
  });

  test.each(['dev', 'prod'])('every rule disabled for %s is one the stack really fails (no stale exception)', (environment) => {
    // WHEN: all rules on
    const run = runGuard(environment, []);

    // THEN: exactly the disabled rules fail
    const failing = [...new Set(run.violations.map(v => v.rule))].sort();
    expect(failing).toEqual([...guardRulesDisabledFor(environment)].sort());
    expect(run.status).toBe('failure');
  });

  test('the rules disabled everywhere fail only on the resources the exception is about', () => {
    const run = runGuard('prod', []);
    const resourcesOf = (rule: string) => run.violations.filter(v => v.rule === rule).flatMap(v => v.resources).sort();
    expect(resourcesOf('ct-s3-pr-2')).toEqual([expect.stringMatching(/^PlatformAccessLogBucket/)]);
    expect(resourcesOf('ct-s3-pr-10')).toEqual([expect.stringMatching(/^PlatformAccessLogBucket/)]);
    expect(resourcesOf('ct-ecr-pr-3')).toEqual([expect.stringMatching(/^PlatformImageRepository/)]);
  });

  test('each disabled rule has a reason', () => {
    for (const reason of Object.values({ ...GUARD_RULES_DISABLED, ...GUARD_RULES_DISABLED_IN_DEV })) {
      expect(reason.length).toBeGreaterThan(20);
    }
  });
});
