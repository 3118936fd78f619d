/**
 * Small parts: no function in src/ over 80 lines, no file over 300 lines (files that only declare props aside).
 * A function's size runs from its first line to the line of its closing brace (its body's braces matched by
 * the TypeScript scanner, so braces in strings, templates and regular expressions do not count).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', 'src');
const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 300;

/** Files that only declare props, which may be as long as their documentation needs. */
const PROPS_FILES = /-props\.ts$/;

/**
 * Files helper RUNS is rewriting for issue 11 (they are to come under the limits there): known exceptions until
 * then, listed so this test stays honest about the rest. Remove an entry when its file is within the limits.
 */
const KNOWN_EXCEPTIONS: string[] = [
];

interface FunctionSize {
  readonly name: string;
  readonly lines: number;
}

/** Every function, method, constructor, accessor and arrow function of a source text, with its size in lines. */
function functionSizes(fileName: string, text: string): FunctionSize[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const out: FunctionSize[] = [];
  const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const name = (node as ts.FunctionLikeDeclaration).name?.getText(source) ?? (ts.isConstructorDeclaration(node) ? 'constructor' : `<anonymous at line ${line(node.getStart(source)) + 1}>`);
      out.push({ name, lines: line(node.getEnd()) - line(node.getStart(source)) + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('code size', () => {
  const files = sourceFiles(SRC).map(f => path.relative(SRC, f).split(path.sep).join('/'));
  const measured = files.filter(f => !KNOWN_EXCEPTIONS.includes(f));

  test('finds the sources', () => {
    expect(files).toContain('sanders-batch-platform.ts');
  });

  test.each(measured)(`no function of %s is over ${MAX_FUNCTION_LINES} lines`, (file) => {
    const sizes = functionSizes(file, fs.readFileSync(path.join(SRC, file), 'utf8'));
    expect(sizes.filter(s => s.lines > MAX_FUNCTION_LINES).map(s => `${s.name}: ${s.lines} lines`)).toEqual([]);
  });

  test.each(measured.filter(f => !PROPS_FILES.test(f)))(`%s is at most ${MAX_FILE_LINES} lines`, (file) => {
    const lines = fs.readFileSync(path.join(SRC, file), 'utf8').split('\n').length - 1;
    expect({ file, lines: Math.min(lines, MAX_FILE_LINES + 1) }).toEqual({ file, lines: Math.min(lines, MAX_FILE_LINES) });
  });

  test('every known exception still exists (an entry for a moved or deleted file is stale)', () => {
    for (const file of KNOWN_EXCEPTIONS) expect(files).toContain(file);
  });
});

describe('functionSizes', () => {
  test('counts a function from its first line to its closing brace, ignoring braces in strings and regexes', () => {
    const text = [
      'export function a(): string {',
      "  const s = '}}}';",
      '  return s.replace(/\\{/g, `${"{"}`);',
      '}',
      'class C {',
      '  constructor() {',
      '    const f = () => {',
      '      return 1;',
      '    };',
      '  }',
      '}',
    ].join('\n');
    expect(functionSizes('x.ts', text)).toEqual([
      { name: 'a', lines: 4 },
      { name: 'constructor', lines: 5 },
      { name: '<anonymous at line 7>', lines: 3 },
    ]);
  });
});

describe('scripts/ stand on their own', () => {
  const SCRIPTS = path.join(__dirname, '..', 'scripts');
  const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? sources(path.join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [path.join(dir, e.name)] : []));

  test('finds the scripts, the simulation among them', () => {
    expect(sources(SCRIPTS).map(f => path.relative(SCRIPTS, f))).toEqual(expect.arrayContaining(['bench-workflow.ts', path.join('lib', 'sim', 'batch-simulator.ts')]));
  });

  // Code (comments left out) that names a file under test/: an import, a require, or a path built from a string.
  const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const namesTest = (code: string) => /['"`](?:\.\.?\/)*test\/|['"`]test['"`]\s*[,)]/.test(withoutComments(code));

  test('the check sees every way a script could reach into test/, and not a comment that names it', () => {
    expect(["import { x } from '../test/util';", "require('../../test/integ/platform-stack')", "path.join(repo, 'test/integ/app.ts')", "path.join(repo, 'test', 'integ')"]
      .map(namesTest)).toEqual([true, true, true, true]);
    expect(['// see test/docs-tables.test.ts', ' * the ones test/data-safety.test.ts pins', "const url = 'https://example.com/test/x';"].map(namesTest)).toEqual([false, false, false]);
  });

  test('no script imports from test/ or reads a file there (the shared test support lives in scripts/lib, which the tests import)', () => {
    expect(sources(SCRIPTS).filter(f => namesTest(fs.readFileSync(f, 'utf8'))).map(f => path.relative(SCRIPTS, f))).toEqual([]);
  });
});
