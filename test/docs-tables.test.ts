/**
 * The tables in docs/ that are derived from the code match what `npx projen docs:tables` writes, as API.md
 * matches docgen: a changed prop, default, acknowledgement or priced resource fails here until the docs are
 * regenerated and committed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { beginMarker, endMarker, generatedSection, TABLES, withGeneratedSection } from '../scripts/docs-tables';
import { profileCosts } from '../scripts/idle-cost';

const ROOT = path.join(__dirname, '..');

describe('generated tables in docs/', () => {
  test.each(TABLES.map(t => [t.name, t.file, t] as const))('%s in %s is what the generator writes', (_name, file, table) => {
    const committed = generatedSection(fs.readFileSync(path.join(ROOT, file), 'utf8'), table.name);
    expect(committed).toEqual(table.render());
  });

  test('the generated tables are not empty', () => {
    for (const table of TABLES) {
      const committed = generatedSection(fs.readFileSync(path.join(ROOT, table.file), 'utf8'), table.name);
      expect({ table: table.name, rows: committed.split('\n').filter(l => l.startsWith('| ')).length > 5 }).toEqual({ table: table.name, rows: true });
    }
  });
});

describe('figures the README quotes', () => {
  test('the README\'s defaults give the idle cost of the default dev and prod stacks as the cost table does', () => {
    const [dev, prod] = profileCosts();
    expect([dev.stack, prod.stack]).toEqual(['SandersCustomerPlatformStack-dev', 'SandersCustomerPlatformStack-prod']);
    const row = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').find(line => line.startsWith('| idle cost of a default stack'));
    expect(row).toBeDefined();
    const figures = [...row!.matchAll(/\$(\d+(?:\.\d+)?)/g)].map(m => Number(m[1]));
    // dev to the cent, prod rounded to the dollar ("about $89")
    expect(figures).toEqual([Number(dev.cost.total.toFixed(2)), Math.round(prod.cost.total)]);
  });
});

describe('generated sections', () => {
  const doc = ['# Title', '', beginMarker('t'), 'old row', endMarker('t'), '', 'after'].join('\n');

  test('replaces only what stands between the markers', () => {
    const updated = withGeneratedSection(doc, 't', '| new | row |');
    expect(updated).toEqual(['# Title', '', beginMarker('t'), '| new | row |', endMarker('t'), '', 'after'].join('\n'));
    expect(generatedSection(updated, 't')).toEqual('| new | row |');
  });

  test('fails when the markers are missing', () => {
    expect(() => withGeneratedSection('# Title\n', 'props', 'x')).toThrow(/markers of the generated table 'props' are missing: put <!-- BEGIN GENERATED props/);
  });

  test('a stale table is told apart from a current one', () => {
    expect(generatedSection(doc, 't')).not.toEqual('| new | row |');
  });
});
