/**
 * The tables in docs/ that are derived from the code: `npx projen docs:tables` (run by the build after
 * docgen, like API.md) writes each between its markers, and test/docs-tables.test.ts fails when a committed
 * table differs from what this script produces.
 *
 * - `props` (docs/props.md): every struct of the public API with each prop's type, default and summary, from
 *   the jsii assembly (`.jsii`, written by `npx projen compile`).
 * - `idle-cost` (docs/networking-and-cost.md): the idle monthly cost table of `npx projen cost`.
 * - `acknowledged-findings` (docs/security.md): every cdk-nag finding the construct acknowledges, with its
 *   reason, read from the construct metadata of platforms synthesized in several configurations.
 *
 * `--check` writes nothing and exits 1 when a file is out of date.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { markdownTable, profileCosts } from './idle-cost';
import { AccessLevel, NetworkProfile, SandersBatchPlatform, SandersBatchPlatformProps } from '../src';

const ROOT = path.join(__dirname, '..');

/** One generated table: where it goes and how it is made. */
export interface GeneratedTable {
  readonly name: string;
  /** Relative to the repository root. */
  readonly file: string;
  readonly render: () => string;
}

export function beginMarker(name: string): string {
  return `<!-- BEGIN GENERATED ${name}: written by \`npx projen docs:tables\` from the code; do not edit by hand -->`;
}

export function endMarker(name: string): string {
  return `<!-- END GENERATED ${name} -->`;
}

/** The text between a table's markers in `markdown` (without the newlines next to them). */
export function generatedSection(markdown: string, name: string): string {
  const begin = markdown.indexOf(beginMarker(name));
  const end = markdown.indexOf(endMarker(name));
  if (begin < 0 || end < begin) {
    throw new Error(`the markers of the generated table '${name}' are missing: put ${beginMarker(name)} and ${endMarker(name)} on lines of their own where the table goes`);
  }
  return markdown.slice(begin + beginMarker(name).length, end).replace(/^\n/, '').replace(/\n$/, '');
}

/** `markdown` with the section of table `name` replaced by `content`. */
export function withGeneratedSection(markdown: string, name: string, content: string): string {
  generatedSection(markdown, name); // fails when the markers are missing
  const begin = markdown.indexOf(beginMarker(name)) + beginMarker(name).length;
  const end = markdown.indexOf(endMarker(name));
  return `${markdown.slice(0, begin)}\n${content}\n${markdown.slice(end)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Props, from the jsii assembly

interface JsiiTypeRef {
  readonly primitive?: string;
  readonly fqn?: string;
  readonly collection?: { readonly kind: 'array' | 'map'; readonly elementtype: JsiiTypeRef };
  readonly union?: { readonly types: JsiiTypeRef[] };
}

interface JsiiProperty {
  readonly name: string;
  readonly optional?: boolean;
  readonly type: JsiiTypeRef;
  readonly docs?: { readonly summary?: string; readonly default?: string };
}

interface JsiiType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: string;
  readonly datatype?: boolean;
  readonly properties?: Array<JsiiProperty & { readonly static?: boolean; readonly const?: boolean }>;
  readonly methods?: Array<{
    readonly name: string;
    readonly static?: boolean;
    readonly parameters?: Array<{ readonly name: string; readonly type: JsiiTypeRef; readonly optional?: boolean }>;
    readonly returns?: { readonly type: JsiiTypeRef };
    readonly docs?: { readonly summary?: string };
  }>;
  readonly members?: Array<{ readonly name: string; readonly docs?: { readonly summary?: string } }>;
  readonly docs?: { readonly summary?: string };
}

export function readAssembly(file = path.join(ROOT, '.jsii')): { name: string; types: { [fqn: string]: JsiiType } } {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist: run \`npx projen compile\` first (the props tables are read from the jsii assembly)`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** A type as a TypeScript user writes it: `Duration`, `sns.ITopic`, `MemoryTier[]`. */
export function typeName(ref: JsiiTypeRef): string {
  if (ref.primitive) return ref.primitive === 'any' ? 'any' : ref.primitive;
  if (ref.collection) {
    const element = typeName(ref.collection.elementtype);
    return ref.collection.kind === 'array' ? `${element}[]` : `{ [key: string]: ${element} }`;
  }
  if (ref.union) return ref.union.types.map(typeName).join(' \\| ');
  const fqn = ref.fqn ?? '?';
  const cdk = /^aws-cdk-lib\.(?:aws_([a-z0-9_]+)\.)?(\w+)$/.exec(fqn);
  if (cdk) return cdk[1] ? `${cdk[1].replace(/_/g, '')}.${cdk[2]}` : cdk[2];
  return fqn.replace(/^.*\./, '');
}

function cell(text: string | undefined): string {
  return (text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

/** A struct's props: name, type, default, summary. */
function structTable(struct: JsiiType): string {
  const rows = (struct.properties ?? []).map(p => {
    const value = p.optional ? cell(p.docs?.default?.replace(/^- /, '')) || '—' : 'required';
    return `| \`${p.name}\` | \`${typeName(p.type)}\` | ${value} | ${cell(p.docs?.summary)} |`;
  });
  return ['| prop | type | default | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/** A class's public properties and methods, or an enum's members. */
function memberTables(type: JsiiType): string {
  const out: string[] = [];
  const properties = type.properties ?? [];
  if (properties.length > 0) {
    out.push('| property | type | what it is |', '|---|---|---|');
    for (const p of properties) {
      const name = p.static ? `${type.name}.${p.name}` : p.name;
      out.push(`| \`${name}\` | \`${typeName(p.type)}${p.optional ? ' \\| undefined' : ''}\` | ${cell(p.docs?.summary)} |`);
    }
  }
  const methods = type.methods ?? [];
  if (methods.length > 0) {
    if (out.length > 0) out.push('');
    out.push('| method | returns | what it does |', '|---|---|---|');
    for (const m of methods) {
      const params = (m.parameters ?? []).map(x => `${x.name}${x.optional ? '?' : ''}: ${typeName(x.type)}`).join(', ');
      const name = `${m.static ? `${type.name}.` : ''}${m.name}(${params})`;
      out.push(`| \`${name}\` | \`${m.returns ? typeName(m.returns.type) : 'void'}\` | ${cell(m.docs?.summary)} |`);
    }
  }
  if (type.members) {
    out.push('| member | what it is |', '|---|---|');
    for (const m of type.members) out.push(`| \`${type.name}.${m.name}\` | ${cell(m.docs?.summary)} |`);
  }
  return out.join('\n');
}

/**
 * The public API from the jsii assembly: the construct's properties and methods, every struct's props (the
 * construct's props first), and the enums and classes that hold defaults.
 */
export function propsTables(assembly = readAssembly()): string {
  const types = Object.values(assembly.types).sort((a, b) => a.name.localeCompare(b.name));
  const constructs = types.filter(t => t.kind === 'class' && (t.methods ?? []).some(m => !m.static));
  const structs = types.filter(t => t.kind === 'interface' && t.datatype)
    .sort((a, b) => Number(b.name.endsWith('BatchPlatformProps')) - Number(a.name.endsWith('BatchPlatformProps')));
  const others = types.filter(t => !constructs.includes(t) && !structs.includes(t));
  const section = (t: JsiiType, body: string) => [`### \`${t.name}\``, '', cell(t.docs?.summary), '', body].join('\n');
  return [
    '## The construct',
    '',
    ...constructs.map(t => section(t, memberTables(t))),
    '',
    '## Props',
    '',
    structs.map(t => section(t, structTable(t))).join('\n\n'),
    '',
    '## Enums and defaults',
    '',
    others.map(t => section(t, memberTables(t))).join('\n\n'),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Acknowledged findings, from the construct metadata

/** The configurations whose acknowledgements the table lists: a column each. */
export const ACKNOWLEDGEMENT_CONFIGURATIONS: Array<{ readonly label: string; readonly props: (stack: Stack) => SandersBatchPlatformProps }> = [
  { label: 'dev', props: () => ({ environment: 'dev' }) },
  { label: 'prod', props: () => ({ environment: 'prod' }) },
  { label: 'prod, `ON_DEMAND_EGRESS`', props: () => ({ environment: 'prod', networkProfile: NetworkProfile.ON_DEMAND_EGRESS }) },
  { label: 'prod, own `vpc`', props: stack => ({ environment: 'prod', vpc: new ec2.Vpc(stack, 'TeamVpc') }) },
  {
    label: 'prod, a job with `dataAccess`',
    props: () => ({
      environment: 'prod',
      workflow: [{ name: 'report', tier: '2gb', dataAccess: { bucket: AccessLevel.READ, bucketPrefix: 'reports/', table: AccessLevel.NONE } }],
    }),
  },
];

export interface AcknowledgedFinding {
  /** The construct path below the platform, e.g. `DataBucket`. */
  readonly construct: string;
  readonly rule: string;
  readonly reason: string;
}

/** Every acknowledgement under a platform: construct path relative to it, rule id, reason. */
export function acknowledgementsOf(platform: SandersBatchPlatform): AcknowledgedFinding[] {
  const out: AcknowledgedFinding[] = [];
  const prefix = `${platform.node.path}/`;
  for (const c of platform.node.findAll()) {
    const entries = c.node.metadata.filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    if (entries.length === 0) continue;
    const data = entries[entries.length - 1].data as { [id: string]: string };
    const construct = c === platform ? '(the platform)' : c.node.path.slice(prefix.length);
    for (const [rule, reason] of Object.entries(data)) out.push({ construct, rule: rule.replace(/^annotation::/i, ''), reason });
  }
  return out;
}

/**
 * cdk-nag's finding ids spell out pseudo parameters, which the table shortens to `…`, and physical names,
 * whose environment part the table writes as `{environment}` so that dev's and prod's rows are one.
 */
function shortRule(rule: string, environment: string): string {
  return rule.replace(/<AWS::(Partition|Region|AccountId)>/g, '…').split(`-${environment}:`).join('-{environment}:');
}

export function acknowledgementsTable(): string {
  const configs = ACKNOWLEDGEMENT_CONFIGURATIONS;
  // rule key -> configurations it appears in; rows keep the order of first appearance
  const seen = new Map<string, { finding: AcknowledgedFinding; in: Set<number> }>();
  configs.forEach((config, i) => {
    const stack = new Stack(new App(), 'SandersCustomerPlatformStack');
    const platform = new SandersBatchPlatform(stack, 'Platform', config.props(stack));
    for (const raw of acknowledgementsOf(platform)) {
      const finding = { ...raw, rule: shortRule(raw.rule, platform.environment) };
      const key = `${finding.construct}\u0000${finding.rule}\u0000${finding.reason}`;
      if (!seen.has(key)) seen.set(key, { finding, in: new Set() });
      seen.get(key)!.in.add(i);
    }
  });
  // One row per construct, reason and set of configurations, listing its rules.
  const rows = new Map<string, { construct: string; reason: string; in: Set<number>; rules: string[] }>();
  for (const { finding, in: where } of seen.values()) {
    const key = `${finding.construct}\u0000${finding.reason}\u0000${[...where].join(',')}`;
    if (!rows.has(key)) rows.set(key, { construct: finding.construct, reason: finding.reason, in: where, rules: [] });
    rows.get(key)!.rules.push(finding.rule);
  }
  const header = ['construct', 'rules', ...configs.map(c => c.label), 'reason'];
  const lines = [...rows.values()].map(r => [
    `\`${r.construct}\``,
    r.rules.map(rule => `\`${rule}\``).join(', '),
    ...configs.map((_, i) => (r.in.has(i) ? '✓' : '')),
    `${cell(r.reason).replace(/\.$/, '')}.`,
  ]);
  return [header, header.map(() => '---'), ...lines].map(r => `| ${r.join(' | ')} |`).join('\n');
}

// ---------------------------------------------------------------------------------------------------------

export const TABLES: GeneratedTable[] = [
  { name: 'props', file: 'docs/props.md', render: () => propsTables() },
  { name: 'idle-cost', file: 'docs/networking-and-cost.md', render: () => markdownTable(profileCosts()) },
  { name: 'acknowledged-findings', file: 'docs/security.md', render: acknowledgementsTable },
];

function main(): void {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const table of TABLES) {
    const file = path.join(ROOT, table.file);
    const before = fs.readFileSync(file, 'utf8');
    const after = withGeneratedSection(before, table.name, table.render());
    if (after === before) continue;
    stale.push(`${table.file} (${table.name})`);
    if (!check) fs.writeFileSync(file, after);
  }
  if (check && stale.length > 0) {
    console.error(`out of date, run \`npx projen docs:tables\`: ${stale.join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log(stale.length === 0 ? 'docs tables: up to date' : `docs tables: wrote ${stale.join(', ')}`);
  }
}

if (require.main === module) main();
