/**
 * scripts/ci/restore-release-tag.sh, the first step of `npx projen bump`: on a clone without the release tag, it
 * tags the parent of the commit that added the release's heading to CHANGELOG.md (docs/releasing.md).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', 'scripts', 'ci', 'restore-release-tag.sh');
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

const dirs: string[] = [];
afterAll(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

/** A repository with the script in scripts/ci/, one commit per entry of `changelogs` (undefined: no CHANGELOG.md change). */
function repo(changelogs: (string | undefined)[]): { dir: string; commits: string[]; git: (...args: string[]) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-tag-'));
  dirs.push(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(dir, 'scripts', 'ci'), { recursive: true });
  fs.copyFileSync(SCRIPT, path.join(dir, 'scripts', 'ci', 'restore-release-tag.sh'));
  const commits: string[] = [];
  changelogs.forEach((changelog, i) => {
    fs.writeFileSync(path.join(dir, 'src.txt'), `change ${i}\n`);
    if (changelog !== undefined) fs.writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog);
    git('add', '-A');
    git('commit', '-q', '-m', `commit ${i}`);
    commits.push(git('rev-parse', 'HEAD'));
  });
  return { dir, commits, git };
}

function restore(dir: string) {
  return spawnSync('bash', [path.join(dir, 'scripts', 'ci', 'restore-release-tag.sh')], { env: GIT_ENV, encoding: 'utf8' });
}

const FIRST = '# Changelog\n\n## 0.1.0 (2026-12-02)\n';
const SECOND = '# Changelog\n\n## [0.2.0](https://github.com/sanders/batch-platform/compare/v0.1.0...v0.2.0) (2026-12-09)\n\n## 0.1.0 (2026-12-02)\n';

describe('restore-release-tag.sh', () => {
  test('tags the parent of the commit that recorded the newest release, and never moves an existing tag', () => {
    const { dir, commits, git } = repo([undefined, FIRST, undefined, undefined, SECOND, undefined]);
    const run = restore(dir);
    expect(run.status).toBe(0);
    // 0.2.0 was recorded by commit 4, so it is the release of commit 3; 0.1.0 is left alone (not the newest).
    expect(git('rev-parse', 'v0.2.0^{commit}')).toBe(commits[3]);
    expect(git('tag', '--list')).toBe('v0.2.0');

    git('tag', '-f', 'v0.2.0', commits[1]);
    const again = restore(dir);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/v0\.2\.0 is tagged/);
    expect(git('rev-parse', 'v0.2.0^{commit}')).toBe(commits[1]);
  });

  test('does nothing before the first release', () => {
    const { dir, git } = repo([undefined, '# Changelog\n']);
    const run = restore(dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/names no release: first release/);
    expect(git('tag', '--list')).toBe('');
  });

  test('fails when the newest release heading is not committed', () => {
    const { dir } = repo([undefined, FIRST]);
    fs.writeFileSync(path.join(dir, 'CHANGELOG.md'), SECOND);
    const run = restore(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/CHANGELOG\.md's 0\.2\.0 section is not committed/);
  });

  test('fails on a shallow clone, naming the fix', () => {
    const { dir } = repo([undefined, FIRST, undefined]);
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'release-tag-shallow-'));
    dirs.push(clone);
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${dir}`, clone], { env: GIT_ENV });
    const run = restore(clone);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/shallow: run 'git fetch --unshallow --tags' first/);
  });
});
