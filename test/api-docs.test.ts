/**
 * The API docs are what a Python, Java or TypeScript user reads in their IDE and in API.md: they come from the
 * JSDoc that jsii copies into the `.jsii` assembly. This test reads that assembly (written by `projen compile`,
 * which `projen build` runs before the tests) and fails for any exported type, enum member, property, method or
 * parameter without a summary, and for any optional property of a struct or interface without `@default`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

/** The parts of the jsii assembly schema this test reads. */
interface Docs {
  readonly summary?: string;
  readonly default?: string;
}
interface Parameter {
  readonly name: string;
  readonly docs?: Docs;
}
interface Callable {
  readonly name?: string;
  readonly docs?: Docs;
  readonly parameters?: Parameter[];
  readonly overrides?: string;
}
interface Property {
  readonly name: string;
  readonly docs?: Docs;
  readonly optional?: boolean;
  readonly overrides?: string;
}
interface TypeEntry {
  readonly fqn: string;
  readonly kind: 'class' | 'interface' | 'enum';
  readonly docs?: Docs;
  readonly initializer?: Callable;
  readonly methods?: Callable[];
  readonly properties?: Property[];
  readonly members?: Array<{ readonly name: string; readonly docs?: Docs }>;
}
interface Assembly {
  readonly name: string;
  readonly types?: { [fqn: string]: TypeEntry };
}

const ASSEMBLY_FILE = path.join(__dirname, '..', '.jsii');

/** Reads a `.jsii` file, following jsii's redirect to a compressed assembly (`compressAssembly`). */
function loadAssembly(file: string): Assembly {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} does not exist: run 'npx projen compile' first (the docs check reads the jsii assembly)`);
  }
  const content = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (content.schema === 'jsii/file-redirect') {
    const target = path.join(path.dirname(file), content.filename);
    const raw = fs.readFileSync(target);
    return JSON.parse((content.compression === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8'));
  }
  return content;
}

function hasText(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/** Every API element of the assembly's own types that lacks docs, as `<fqn>[#member[(param)]]: <what is missing>`. */
function findUndocumented(assembly: Assembly): string[] {
  const problems: string[] = [];
  const summary = (where: string, docs: Docs | undefined) => {
    if (!hasText(docs?.summary)) problems.push(`${where}: no summary`);
  };
  const parameters = (where: string, callable: Callable) => {
    for (const p of callable.parameters ?? []) summary(`${where}(${p.name})`, p.docs);
  };

  for (const type of Object.values(assembly.types ?? {})) {
    summary(type.fqn, type.docs);
    if (type.initializer) parameters(`${type.fqn}#constructor`, type.initializer);
    for (const method of type.methods ?? []) {
      // An override is documented where it is declared (e.g. in constructs.Construct).
      if (method.overrides) continue;
      const where = `${type.fqn}#${method.name}`;
      summary(where, method.docs);
      parameters(where, method);
    }
    for (const prop of type.properties ?? []) {
      if (prop.overrides) continue;
      const where = `${type.fqn}#${prop.name}`;
      summary(where, prop.docs);
      // `@default` belongs to struct and interface properties (what a user passes in); an optional attribute
      // of a class, such as a resource made only on request, says when it is set in its summary.
      if (type.kind === 'interface' && prop.optional && !hasText(prop.docs?.default)) {
        problems.push(`${where}: optional but no @default`);
      }
    }
    for (const member of type.members ?? []) summary(`${type.fqn}#${member.name}`, member.docs);
  }
  return problems.sort();
}

/** A deep copy of the assembly, changed by `edit` and written to a temp dir, then loaded back like the real one. */
function editedCopy(edit: (types: { [fqn: string]: any }) => void): Assembly {
  const copy = JSON.parse(fs.readFileSync(ASSEMBLY_FILE, 'utf8'));
  edit(copy.types);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-docs-'));
  try {
    fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify(copy));
    return loadAssembly(path.join(dir, '.jsii'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What the check reports for an edited copy beyond what it reports for the real assembly. */
function newProblems(edited: Assembly): string[] {
  const before = new Set(findUndocumented(loadAssembly(ASSEMBLY_FILE)));
  return findUndocumented(edited).filter(p => !before.has(p));
}

const PROPS = '@sanders/batch-platform.SandersBatchPlatformProps';
const PLATFORM = '@sanders/batch-platform.SandersBatchPlatform';

describe('API docs in the jsii assembly', () => {
  test('every exported type, member and parameter has a summary, every optional property a @default', () => {
    // GIVEN the assembly jsii compiled
    const assembly = loadAssembly(ASSEMBLY_FILE);
    expect(assembly.name).toBe('@sanders/batch-platform');
    // The check must look at the real API, not an empty assembly.
    expect(Object.keys(assembly.types ?? {})).toEqual(expect.arrayContaining([PLATFORM, PROPS]));

    // THEN nothing is undocumented
    expect(findUndocumented(assembly)).toEqual([]);
  });

  test('fails when the assembly is missing', () => {
    const missing = path.join(os.tmpdir(), `no-such-dir-${process.pid}`, '.jsii');
    expect(() => loadAssembly(missing)).toThrow(/\.jsii does not exist: run 'npx projen compile' first/);
  });

  test('fails when a property, a type, an enum member or a parameter loses its summary', () => {
    // GIVEN a copy of the assembly with docs removed in four places
    const assembly = editedCopy(types => {
      const environment = types[PROPS].properties.find((p: Property) => p.name === 'environment');
      delete environment.docs.summary;
      delete types['@sanders/batch-platform.MemoryTier'].docs.summary;
      delete types['@sanders/batch-platform.AccessLevel'].members.find((m: { name: string }) => m.name === 'READ').docs;
      const method = types[PLATFORM].methods.find((m: Callable) => (m.parameters ?? []).length > 0);
      method.parameters[0].docs = { summary: '  ' };
    });
    const method = (assembly.types![PLATFORM].methods ?? []).find(m => (m.parameters ?? []).length > 0)!;

    // THEN each is reported, and nothing else
    expect(newProblems(assembly)).toEqual([
      '@sanders/batch-platform.AccessLevel#READ: no summary',
      '@sanders/batch-platform.MemoryTier: no summary',
      `${PLATFORM}#${method.name}(${method.parameters![0].name}): no summary`,
      `${PROPS}#environment: no summary`,
    ].sort());
  });

  test('fails when an optional property loses its @default', () => {
    // GIVEN a copy of the assembly where an optional prop has no @default
    const assembly = editedCopy(types => {
      const imageTag = types[PROPS].properties.find((p: Property) => p.name === 'imageTag');
      expect(imageTag.optional).toBe(true);
      delete imageTag.docs.default;
    });

    // THEN
    expect(newProblems(assembly)).toEqual([`${PROPS}#imageTag: optional but no @default`]);
  });

  test('reads an assembly that jsii compressed', () => {
    // GIVEN the assembly stored as jsii does with compressAssembly: a redirect to a gzipped file
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-docs-'));
    try {
      fs.writeFileSync(path.join(dir, '.jsii.gz'), zlib.gzipSync(fs.readFileSync(ASSEMBLY_FILE)));
      fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify({ schema: 'jsii/file-redirect', compression: 'gzip', filename: '.jsii.gz' }));

      // THEN it reads the same types
      expect(Object.keys(loadAssembly(path.join(dir, '.jsii')).types ?? {}).sort())
        .toEqual(Object.keys(loadAssembly(ASSEMBLY_FILE).types ?? {}).sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
