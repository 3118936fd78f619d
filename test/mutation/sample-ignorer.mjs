// @ts-check
/**
 * A Stryker ignore plugin for scripts/ci/mutation-sample.mjs: a drawn mutant's source range also holds the mutants
 * nested inside it (the operands of a drawn condition, the statements of a drawn block), which a sample must not run
 * (they would cost a test run each and are not part of the sample). STRYKER_SAMPLE holds the drawn ranges (JSON,
 * Stryker's 0-based lines and columns); a node inside the mutated ranges that is neither a drawn range nor holds one is
 * ignored, with its descendants. Mutants of a drawn node by another mutator are still run and not counted.
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** @typedef {{ start: { line: number, column: number }, end: { line: number, column: number } }} Range */
/** @type {Range[]} */
const drawn = JSON.parse(process.env.STRYKER_SAMPLE ?? '[]');
const before = (/** @type {Range['start']} */ a, /** @type {Range['start']} */ b) => a.line < b.line || (a.line === b.line && a.column <= b.column);
/** Whether range `outer` holds range `inner` (equal ranges included). */
const holds = (/** @type {Range} */ outer, /** @type {Range} */ inner) => before(outer.start, inner.start) && before(inner.end, outer.end);

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'sample', {
  shouldIgnore(/** @type {any} */ path) {
    const loc = path.node.loc;
    if (!loc || drawn.length === 0) return undefined;
    // Babel counts lines from 1, Stryker's mutant locations from 0.
    const node = { start: { line: loc.start.line - 1, column: loc.start.column }, end: { line: loc.end.line - 1, column: loc.end.column } };
    if (drawn.some(d => holds(node, d))) return undefined;
    return drawn.some(d => holds(d, node)) ? 'nested inside a drawn mutant, not part of the sample' : undefined;
  },
})];
