/**
 * cdk-nag's AwsSolutions, NIST 800-53 rev 5, HIPAA Security and PCI DSS 3.2.1 packs over the example app's
 * stacks and over a consumer's stack with default props: zero unacknowledged findings, and every
 * acknowledgement the construct writes covers a finding that really exists.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { AccessLevel, SandersBatchPlatform } from '../src';
import { SandersCustomerPlatformStack } from './integ/platform-stack';

interface Finding {
  readonly rule: string;
  readonly path: string;
}

function packs(): NagPack[] {
  return [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
}

/** Every finding of the four packs. cdk-nag 3 with aws-cdk-lib 2.257 runs a pack through `validateScope`. */
function findings(stack: Stack): Finding[] {
  return packs().flatMap(pack => pack.validateScope(stack).violations.flatMap(v =>
    v.violatingResources.map(r => ({ rule: v.ruleName, path: r.constructPath ?? '' }))));
}

/** The same, with every acknowledgement ignored. */
function findingsIgnoringAcknowledgements(stack: Stack): Finding[] {
  const proto = NagPack.prototype as any;
  const original = proto.isAcknowledged;
  proto.isAcknowledged = () => false;
  try {
    return findings(stack);
  } finally {
    proto.isAcknowledged = original;
  }
}

/** Every acknowledgement in the tree: construct path, rule id, reason. */
function acknowledgements(root: IConstruct): Array<{ path: string; rule: string; reason: string }> {
  const out: Array<{ path: string; rule: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    const entries = c.node.metadata.filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    if (entries.length === 0) continue;
    const data = entries[entries.length - 1].data as { [id: string]: string };
    for (const [rule, reason] of Object.entries(data)) out.push({ path: c.node.path, rule: rule.replace(/^annotation::/i, ''), reason });
  }
  return out;
}

const app = new App();
const stacks: { [name: string]: Stack } = {
  'example dev': new SandersCustomerPlatformStack(app, 'dev'),
  'example prod': new SandersCustomerPlatformStack(app, 'prod'),
};
const consumerApp = new App();
const consumer = new Stack(consumerApp, 'ConsumerStack');
new SandersBatchPlatform(consumer, 'Platform');
stacks['consumer with default props'] = consumer;
// An app of its own: two platforms with the same names in one app are refused (the bucket name is global).
const pinned = new Stack(new App(), 'PinnedConsumerStack', { env: { account: '123456789012', region: 'eu-west-1' } });
new SandersBatchPlatform(pinned, 'Platform');
stacks['consumer with default props and a fixed account and region'] = pinned;

describe('cdk-nag rule packs', () => {
  test.each(Object.keys(stacks))('%s: zero unacknowledged findings in all four packs', (name) => {
    expect(findings(stacks[name])).toEqual([]);
  });

  test.each(Object.keys(stacks))('%s: every acknowledgement covers a finding that exists without it', (name) => {
    // GIVEN
    const stack = stacks[name];
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(10);

    // WHEN
    const raw = findingsIgnoringAcknowledgements(stack);

    // THEN: each acknowledged rule is reported on a resource at or below the acknowledging construct
    const unused = acks.filter(a => !raw.some(f => f.rule === a.rule && (f.path === a.path || f.path.startsWith(`${a.path}/`))));
    expect(unused).toEqual([]);
    // and each raw finding is one of the acknowledged ones
    const unexplained = raw.filter(f => !acks.some(a => f.rule === a.rule && (f.path === a.path || f.path.startsWith(`${a.path}/`))));
    expect(unexplained).toEqual([]);
  });

  test('the packs find the problems the platform avoids when they are present (they are really running)', () => {
    // GIVEN: a bucket without logging, TLS enforcement or KMS next to the platform
    const s = new Stack(new App(), 'Negative');
    new SandersBatchPlatform(s, 'Platform', { environment: 'prod' });
    new s3.Bucket(s, 'PlainBucket');

    // THEN
    const rules = findings(s).filter(f => f.path.startsWith('Negative/PlainBucket')).map(f => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10', 'NIST.800.53.R5-S3DefaultEncryptionKMS']));
    expect(findings(s).filter(f => f.path.startsWith('Negative/Platform'))).toEqual([]);
  });

  test('prod is not excused from what dev is: no PITR, versioning or backup acknowledgement outside dev', () => {
    const rules = acknowledgements(stacks['example prod']).map(a => a.rule);
    expect(rules.filter(r => /DDB3|PITR|Versioning|BackupPlan/.test(r))).toEqual([]);
  });

  test('turning point-in-time recovery off in prod is reported, not acknowledged', () => {
    const s = new Stack(new App(), 'NoPitr');
    new SandersBatchPlatform(s, 'Platform', { environment: 'prod', pointInTimeRecovery: false });
    expect(findings(s).map(f => f.rule)).toEqual(expect.arrayContaining(['AwsSolutions-DDB3', 'NIST.800.53.R5-DynamoDBPITREnabled']));
  });

  test.each(['dev', 'prod'])('%s: optional features (narrower job access, a schedule, alarm e-mails) add no unacknowledged finding', (environment) => {
    const s = new Stack(new App(), 'Options');
    new SandersBatchPlatform(s, 'Platform', {
      environment,
      workflow: [
        { name: 'report', tier: '2gb', dataAccess: { bucket: AccessLevel.READ, bucketPrefix: 'reports/', tableLeadingKeys: ['customer-1'] } },
        { name: 'load', tier: '8gb', dependsOn: ['report'], dataAccess: { bucket: AccessLevel.NONE, table: AccessLevel.READ_WRITE } },
      ],
      schedule: { expression: ScheduleExpression.cron({ minute: '30', hour: '2' }) },
      alarmEmails: ['oncall@example.com'],
    });
    expect(findings(s)).toEqual([]);
  });

  test('every acknowledgement has a reason of its own, at least a sentence long', () => {
    for (const name of Object.keys(stacks)) {
      for (const a of acknowledgements(stacks[name])) {
        expect({ rule: a.rule, length: a.reason.length > 60 }).toEqual({ rule: a.rule, length: true });
      }
    }
  });

  test('docs/security.md lists every acknowledged rule', () => {
    // Its table is generated from the same metadata (scripts/docs-tables.ts, checked by test/docs-tables.test.ts).
    const docs = fs.readFileSync(path.join(__dirname, '..', 'docs', 'security.md'), 'utf8');
    const rules = new Set(Object.values(stacks).flatMap(s => acknowledgements(s)).map(a => a.rule.replace(/\[.*\]$/, '')));
    for (const rule of rules) expect({ rule, listed: docs.includes(rule) }).toEqual({ rule, listed: true });
  });

  test('the library does not import cdk-nag: acknowledgements are plain construct metadata', () => {
    const src = path.join(__dirname, '..', 'src');
    const files = fs.readdirSync(src, { recursive: true }).map(String).filter(f => f.endsWith('.ts'));
    for (const f of files) expect(fs.readFileSync(path.join(src, f), 'utf8')).not.toMatch(/from 'cdk-nag'/);
  });
});
