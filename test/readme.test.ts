/**
 * The README is part of the API: its TypeScript snippets must compile against the library, and its
 * props table must list every prop of SandersBatchPlatformProps.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

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

describe('README', () => {
  test('every TypeScript snippet compiles against the library', () => {
    const snippets = typescriptSnippets(README);
    expect(snippets.length).toBeGreaterThanOrEqual(2);
    const dir = scratchDir();
    const files = snippets.map((code, i) => {
      const file = path.join(dir, `snippet${i}.ts`);
      // Snippets import the package by name and may use a `stack` defined in an earlier snippet.
      const prelude = /const stack\b/.test(code) ? '' : "declare const stack: import('aws-cdk-lib').Stack;\n";
      fs.writeFileSync(file, prelude + code.replace(/'@sanders\/batch-platform'/g, `'${path.join(ROOT, 'src')}'`) + '\nexport {};\n');
      return file;
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

  test('the props table lists every prop of SandersBatchPlatformProps, from the jsii assembly', () => {
    const assembly = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf8'));
    const props = assembly.types['@sanders/batch-platform.SandersBatchPlatformProps'].properties.map((p: any) => p.name);
    expect(props.length).toBeGreaterThan(10);
    const table = README.slice(README.indexOf('## Props'), README.indexOf('## What it creates'));
    const missing = props.filter((p: string) => !table.includes(`| \`${p}\` |`));
    expect(missing).toEqual([]);
  });
});
