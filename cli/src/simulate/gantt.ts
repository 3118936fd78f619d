/**
 * The predicted timeline as a Mermaid gantt chart, which GitHub renders in Markdown
 * (https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams).
 * Times are seconds from the run's start (`dateFormat X`, so the axis reads 00:00:00 at the start).
 */
import { Prediction } from './predict';
import { formatDuration } from '../status';

export function mermaidGantt(p: Prediction, title: string): string {
  const onPath = new Set(p.criticalPath);
  const lines = ['gantt', `  title ${title.replace(/[:#;]/g, ' ')}`, '  dateFormat X', '  axisFormat %H:%M:%S', '  section jobs'];
  p.jobs.forEach((j, i) => {
    if (j.start === undefined) return;
    const end = j.end ?? p.runTime;
    const tags = [onPath.has(j.name) ? 'crit' : '', j.status === 'FAILED' ? 'active' : 'done'].filter(t => t).join(', ');
    const label = `${j.name}${j.status === 'FAILED' ? ' FAILED' : ''}${j.terminated ? ' (terminated)' : ''}`;
    lines.push(`  ${label} :${tags}, j${i}, ${j.start}, ${Math.max(1, end - j.start)}s`);
  });
  const never = p.jobs.filter(j => j.start === undefined);
  if (never.length > 0) {
    lines.push('  section never started');
    never.forEach(j => lines.push(`  ${j.name} :milestone, n${j.name.replace(/[^A-Za-z0-9]/g, '')}, ${p.runTime}, 0s`));
  }
  return lines.join('\n');
}

/** The chart in a Markdown file (a mermaid code block), or bare for a `.mmd` file. */
export function ganttFile(p: Prediction, title: string, file: string): string {
  const chart = mermaidGantt(p, title);
  if (file.endsWith('.mmd')) return `${chart}\n`;
  return `# ${title}\n\nRun time ${formatDuration(p.runTime)}; critical path in red: ${p.criticalPath.join(' → ')}.\n\n\`\`\`mermaid\n${chart}\n\`\`\`\n`;
}
