// A security team's check of a consumer app: the four cdk-nag packs added the documented way
// (Validations.of(app).addPlugins) over a default-props platform in dev and prod. Fails on any finding.
const cdk = require('aws-cdk-lib');
const nag = require('cdk-nag');
const s3 = require('aws-cdk-lib/aws-s3');
const { SandersBatchPlatform } = require('@sanders/batch-platform');

const packs = () => [new nag.AwsSolutionsChecks(), new nag.NIST80053R5Checks(), new nag.HIPAASecurityChecks(), new nag.PCIDSS321Checks()];

function synthWithPacks(build) {
  const app = new cdk.App();
  cdk.Validations.of(app).addPlugins(...packs());
  build(app);
  const lines = [];
  const log = console.error;
  console.error = (...args) => lines.push(args.join(' '));
  let error;
  try {
    app.synth();
  } catch (e) {
    error = e;
  } finally {
    console.error = log;
  }
  return { error, report: [error?.message ?? '', ...lines].join('\n') };
}

let failed = false;
// Control: a bare bucket must be reported, so that silence below means the packs really ran.
const control = synthWithPacks(app => new s3.Bucket(new cdk.Stack(app, 'Control'), 'Bucket'));
if (!/AwsSolutions-S1/.test(control.report)) {
  console.error('consumer-nag: the packs did not report a bare bucket: they did not run');
  process.exit(1);
}
for (const environment of ['dev', 'prod']) {
  const { error, report } = synthWithPacks(app => {
    new SandersBatchPlatform(new cdk.Stack(app, `SandersCustomerPlatformStack-${environment}`), 'Platform', { environment });
  });
  const findings = report.split('\n').filter(l => /(AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321)-\w+/.test(l));
  if (error || findings.length > 0) {
    failed = true;
    console.error(`consumer-nag: ${environment}: ${findings.length} finding line(s)\n${report}`);
  } else {
    console.log(`consumer-nag: ${environment}: AwsSolutions, NIST 800-53 r5, HIPAA Security, PCI DSS 3.2.1: no findings`);
  }
}
process.exit(failed ? 1 : 0);
