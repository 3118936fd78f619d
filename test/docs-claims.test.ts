/**
 * What the README and docs/ state about the defaults and about CI, checked against what the code builds (the
 * default dev stack's committed integ snapshot, which integ-runner keeps equal to the code) and what CI runs.
 * Each figure is a literal here: a change to the code or to the docs alone fails this test.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const oneLine = (text: string) => text.replace(/\s+/g, ' ');
const devTemplate = JSON.parse(read('test/integ/integ.default.ts.snapshot/SandersCustomerPlatformStack-dev.template.json'));
const resources = (type: string): any[] => Object.values(devTemplate.Resources).filter((r: any) => r.Type === type);
const text = JSON.stringify(devTemplate);

describe('the README\'s defaults ("In every environment")', () => {
  const readme = oneLine(read('README.md'));

  test('a run may take 24 hours as a whole (runTimeout), and its execution times out an hour later', () => {
    expect(readme).toContain('a run may take at most 24 hours as a whole (`runTimeout`');
    expect(text).toContain('86400');
    expect(text).toContain('TimeoutSeconds\\":90000');
  });

  test('at most 64 to 256 vCPUs: the default stack\'s small workflow gets the floor, 64', () => {
    expect(readme).toContain('(64 to 256)');
    expect(resources('AWS::Batch::ComputeEnvironment').map(r => r.Properties.ComputeResources.MaxvCpus)).toEqual([64, 64]);
    expect(oneLine(read('docs/networking-and-cost.md'))).toContain('| `maxvCpus` | the workflow\'s peak demand rounded up, at least `64` and at most `256` |');
  });

  test('logs kept one year', () => {
    expect(readme).toContain('logs kept one year');
    const retention = resources('AWS::Logs::LogGroup').map(r => r.Properties.RetentionInDays);
    expect(retention.length).toBeGreaterThan(0);
    expect(new Set(retention)).toEqual(new Set([365]));
  });

  test('a job counts as stuck after 30 minutes in RUNNABLE', () => {
    expect(readme).toContain('a job counts as stuck after 30 minutes in RUNNABLE');
    expect(text).toContain('Seconds\\":1800');
  });
});

describe('docs/contributing.md\'s CI table', () => {
  const contributing = read('docs/contributing.md');
  const ci = read('scripts/test.sh');

  test('names every script CI runs, and CI runs every script it names', () => {
    const run = [...ci.matchAll(/(?:bash|ts-node[^\n]*?) (scripts\/ci\/[\w.-]+\.(?:sh|ts))/g)].map(m => m[1]);
    expect(run.length).toBeGreaterThan(10);
    for (const script of run) expect([script, contributing.includes(`\`${script}\``)]).toEqual([script, true]);
    const named = [...contributing.matchAll(/^\| `(scripts\/ci\/[\w.-]+\.sh)`/gm)].map(m => m[1]);
    for (const script of named) expect([script, ci.includes(script)]).toEqual([script, true]);
  });

  test('the summary counts reports, not a fixed "0 failed"', () => {
    expect(ci).not.toMatch(/0 failed"/);
    expect(ci).toContain('scripts/ci/junit-summary.ts');
  });
});

describe('docs/workflows.md on a submission whose answer is lost', () => {
  const workflows = oneLine(read('docs/workflows.md'));
  const prodTemplate = read('test/integ/integ.default.ts.snapshot/SandersCustomerPlatformStack-prod.template.json');

  test('6 tries per job, a second look 10 s later, a found final job looked at every minute: as the prod job workflow has them', () => {
    expect(workflows).toContain('A job gets 6 tries (5 more after the first), counted per job');
    expect(workflows).toContain('looked for once more 10 s later');
    expect(workflows).toContain('looked at every minute until it ends');
    // The definition is one JSON string in the template: its quotes are escaped there.
    expect(prodTemplate).toContain('\\"Resubmit: wait to look once more\\":{\\"Type\\":\\"Wait\\",\\"Seconds\\":10,');
    expect(prodTemplate).toContain('{\\"Variable\\":\\"$.lost.tries\\",\\"NumericLessThanEquals\\":5}');
    expect(prodTemplate).toMatch(/ look again\\":\{\\"Type\\":\\"Wait\\",\\"Seconds\\":60,/);
  });
});
