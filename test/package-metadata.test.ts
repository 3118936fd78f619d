/**
 * What the npm package says about itself (issue 24): the Node versions it supports, a stability marker that is true
 * while the API may still break in a 0.x minor release, and the files it ships (the changelog, not contributor docs).
 * The packed tarball itself is checked by scripts/ci/package-checks.sh.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const npmignore = fs.readFileSync(path.join(ROOT, '.npmignore'), 'utf8').split('\n');

describe('package metadata', () => {
  test('engines names Node 22 and newer (jsii 6 supports ^22 and ^24; Node 20 is past its end of life)', () => {
    expect(pkg.engines).toEqual({ node: '>= 22.0.0' });
  });

  test('the API is marked experimental until 1.0', () => {
    expect(Number(pkg.version.split('.')[0])).toBe(0);
    expect(pkg.stability).toBe('experimental');
  });

  test('the package ships CHANGELOG.md and leaves the contributor docs out', () => {
    expect(npmignore).toContain('!/CHANGELOG.md');
    expect(npmignore).not.toContain('/CHANGELOG.md');
    expect(npmignore).toEqual(expect.arrayContaining(['/docs/contributing.md', '/docs/releasing.md']));
    expect(npmignore).not.toContain('/docs/');
  });

  test('the README recommends the Node version the engines field allows', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/Node\.js 22\+ \(`engines`; 24, the active LTS, recommended/);
  });
});
