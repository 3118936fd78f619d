/**
 * The README and docs/ are part of the API: their TypeScript snippets must compile against the library,
 * their relative links must lead somewhere, and the README stays a front door (under 20 KB, with contents).
 * The tables derived from the code are checked by docs-tables.test.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)];
const text = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** A scratch folder inside the repository, so that snippets resolve aws-cdk-lib from its node_modules. */
const scratchDirs: string[] = [];
function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(ROOT, 'test', '.snippets-'));
  scratchDirs.push(dir);
  return dir;
}
afterAll(() => scratchDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

function typescriptSnippets(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);
}

/** The fenced code blocks taken out, so that a `#` or a link inside code is not read as Markdown. */
function withoutCode(markdown: string): string {
  return markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const headings = [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)].map(m => anchorOf(m[1]));
  return new Set(headings);
}

/** Every relative link `[text](target)` of a file that does not lead to an existing file and heading. */
function brokenLinks(file: string, markdown: string): string[] {
  const broken: string[] = [];
  for (const m of withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
    const [linked, anchor] = target.split('#');
    const resolved = linked === '' ? file : path.normalize(path.join(path.dirname(file), linked));
    if (!fs.existsSync(path.join(ROOT, resolved))) {
      broken.push(`${file}: ${target} (no file ${resolved})`);
    } else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(text(resolved)).has(anchor)) {
      broken.push(`${file}: ${target} (no heading '#${anchor}' in ${resolved})`);
    }
  }
  return broken;
}

describe('README and docs/', () => {
  test('every TypeScript snippet compiles against the library', () => {
    // docs/workflows.md shows fragments of one growing example (each uses names from the one before), so it is
    // left out; every other document's snippets stand on their own.
    const snippets = DOCS.filter(file => file !== 'docs/workflows.md')
      .flatMap(file => typescriptSnippets(text(file)).map((code, i) => ({ file, i, code })));
    expect(snippets.length).toBeGreaterThanOrEqual(10);
    const dir = scratchDir();
    const files = snippets.map(({ file, i, code }) => {
      const out = path.join(dir, `${file.replace(/[/.]/g, '_')}-${i}.ts`);
      // Snippets import the package by name and may use a `stack` defined elsewhere in their file.
      const prelude = /const stack\b/.test(code) ? '' : "declare const stack: import('aws-cdk-lib').Stack;\n";
      fs.writeFileSync(out, prelude + code.replace(/'@sanders\/batch-platform'/g, `'${path.join(ROOT, 'src')}'`) + '\nexport {};\n');
      return out;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
    });
    // Only the snippets' own errors: the library itself is type-checked by its compile step.
    const errors = ts.getPreEmitDiagnostics(program)
      .filter(d => d.file !== undefined && files.includes(d.file.fileName))
      .map(d => `${path.basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(errors).toEqual([]);
  });

  test('a snippet that does not compile is caught', () => {
    // Proves the check above can fail: a prop that does not exist.
    const dir = scratchDir();
    const file = path.join(dir, 'bad.ts');
    fs.writeFileSync(file, `import { SandersBatchPlatform } from '${path.join(ROOT, 'src')}';\ndeclare const stack: import('aws-cdk-lib').Stack;\nnew SandersBatchPlatform(stack, 'P', { enviroment: 'dev' });\n`);
    const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, types: [] });
    const messages = ts.getPreEmitDiagnostics(program).filter(d => d.file?.fileName === file).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([expect.stringMatching(/'enviroment' does not exist in type 'SandersBatchPlatformProps'/)]);
  });

  test('every relative link leads to a file and heading that exist', () => {
    expect(DOCS.flatMap(file => brokenLinks(file, text(file)))).toEqual([]);
  });

  test('a broken link is caught: a missing file and a missing heading', () => {
    const broken = brokenLinks('README.md', '[a](docs/nothing-here.md) [b](docs/security.md#no-such-heading) [c](#contents) [d](https://aws.amazon.com)');
    expect(broken).toEqual([
      expect.stringMatching(/docs\/nothing-here\.md \(no file/),
      expect.stringMatching(/#no-such-heading \(no heading/),
    ]);
  });

  test('the README is under 20 KB and its contents list every section', () => {
    const readme = text('README.md');
    expect(Buffer.byteLength(readme)).toBeLessThan(20_000);
    const sections = [...withoutCode(readme).matchAll(/^## (.+)$/gm)].map(m => m[1]).filter(h => h !== 'Contents');
    const contents = readme.slice(readme.indexOf('## Contents'), readme.indexOf('\n## ', readme.indexOf('## Contents') + 1));
    expect(sections.length).toBeGreaterThanOrEqual(7);
    expect(sections.filter(h => !contents.includes(`](#${anchorOf(h)})`))).toEqual([]);
  });

  test('no public text names the Python app by its old internal name', () => {
    // The docs, the changelog, API.md and every source file (the doc comments API.md and the generated tables quote,
    // and the error and warning messages users read).
    const sources = (dir: string): string[] => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .flatMap(e => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const files = [...DOCS, 'CHANGELOG.md', 'API.md', ...sources('src')];
    expect(files.length).toBeGreaterThan(DOCS.length + 20);
    expect(files.filter(file => /\bseed\b/i.test(text(file)))).toEqual([]);
  });
});
