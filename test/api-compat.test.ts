/**
 * scripts/ci/api-compat.sh (issue 24): jsii-diff of the build's .jsii against the previous release fails on a
 * breaking change unless the version is a breaking release (major; minor while 0.x) and the changelog says so.
 * The "previous release" here is the build's own assembly with one more public property, so that the build
 * removes it: a breaking change whatever the API is today. Needs the compiled .jsii (the build compiles first).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-compat-test-'));
  dirs.push(dir);
  return dir;
}

/** A package directory holding the build's assembly at `version`, with one extra property when `extra` is set. */
function previousRelease(version: string, extra: boolean): string {
  const jsiiFile = path.join(ROOT, '.jsii');
  if (!fs.existsSync(jsiiFile)) throw new Error('no .jsii: run `npx projen compile` before this test');
  const assembly = JSON.parse(fs.readFileSync(jsiiFile, 'utf8'));
  assembly.version = version;
  if (extra) {
    assembly.types['@sanders/batch-platform.SandersBatchPlatform'].properties.push({
      name: 'removedSince',
      type: { primitive: 'string' },
      immutable: true,
      docs: { summary: 'Gone in the build.' },
      locationInModule: { filename: 'src/sanders-batch-platform.ts', line: 1 },
    });
  }
  const dir = scratch();
  fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify(assembly));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, version }));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** A changelog section as commit-and-tag-version writes it (`### ⚠ BREAKING CHANGES` for `feat!:`). */
function changelog(breaking: boolean): string {
  const file = path.join(scratch(), 'changelog.md');
  fs.writeFileSync(file, breaking ? '## [x]\n\n### ⚠ BREAKING CHANGES\n\n* removedSince is gone\n' : '## [x]\n\n### Bug Fixes\n\n* a fix\n');
  return file;
}

function check(previous: string, version: string, log: string): { status: number | null; out: string } {
  const run = spawnSync('bash', [path.join(ROOT, 'scripts/ci/api-compat.sh'), previous, version, log], { encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

describe('API compatibility with the previous release', () => {
  test('fails on a breaking change in a patch release whose changelog does not say so', () => {
    const { status, out } = check(previousRelease('0.4.0', true), '0.4.1', changelog(false));
    expect(out).toMatch(/0\.4\.0 -> 0\.4\.1: 1 breaking change\(s\)/);
    expect(out).toMatch(/PROP @sanders\/batch-platform\.SandersBatchPlatform\.removedSince: has been removed/);
    expect(out).toMatch(/version 0\.4\.1 after 0\.4\.0 is not a breaking release/);
    expect(out).toMatch(/the changelog of 0\.4\.1 .* does not say BREAKING/);
    expect(status).toBe(1);
  });

  test('passes a breaking change in a minor release while 0.x, with BREAKING in the changelog', () => {
    const { status, out } = check(previousRelease('0.4.0', true), '0.5.0', changelog(true));
    expect(out).toMatch(/api-compat: OK, the breaking changes above come with version 0\.5\.0/);
    expect(status).toBe(0);
  });

  test('fails on a breaking change in a minor release after 1.0, even when the changelog says so', () => {
    const { status, out } = check(previousRelease('1.2.0', true), '1.3.0', changelog(true));
    expect(out).toMatch(/version 1\.3\.0 after 1\.2\.0 is not a breaking release: a breaking change needs a new major version/);
    expect(out).not.toMatch(/does not say BREAKING/);
    expect(status).toBe(1);
  });

  test('passes any release when nothing public changed', () => {
    const { status, out } = check(previousRelease('0.4.0', false), '0.4.1', changelog(false));
    expect(out).toMatch(/0\.4\.0 -> 0\.4\.1: 0 breaking change\(s\)[\s\S]*api-compat: OK/);
    expect(status).toBe(0);
  });
});
