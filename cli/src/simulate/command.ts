/** `simulate`: the predicted run of a synthesized platform, before it deploys. */
import { readFileSync, writeFileSync } from 'fs';
import { Command, InvalidArgumentError } from 'commander';
import { ganttFile } from './gantt';
import { loadPlatform, templateFile } from './platform-template';
import { predict, Prediction } from './predict';
import { FARGATE_PRICES } from './prices';
import { CliError } from '../errors';
import { formatDuration, Io, table } from '../status';

function jobSeconds(value: string, previous: { [job: string]: number }): { [job: string]: number } {
  const m = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`'${value}' is not <job>=<seconds>, e.g. model-training=900`);
  return { ...previous, [m[1]]: Number(m[2]) };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!(n >= 0)) throw new InvalidArgumentError(`'${value}' is not a number of seconds`);
  return n;
}

/** The report, as printed. */
export function report(p: Prediction, stack: string, date: string): string {
  const lines = [`Predicted run of ${stack} for ${date}: ${p.status} in ${formatDuration(p.runTime)} (${p.runTime} s)`, ''];
  lines.push(table(['JOB', 'STATUS', 'START', 'END', 'DURATION', 'ATTEMPTS'], p.jobs.map(j => [
    j.name, j.status + (j.terminated ? ' (terminated)' : ''),
    j.start === undefined ? '-' : formatDuration(j.start), j.end === undefined || j.start === undefined ? '-' : formatDuration(j.end),
    j.start === undefined || j.end === undefined ? '-' : formatDuration(j.end - j.start), String(j.attempts),
  ])), '');
  lines.push(`critical path: ${p.criticalPath.join(' -> ')} (longest chain of start delay + duration: ${formatDuration(p.criticalPathSeconds)})`);
  lines.push(`peak: ${p.peakVcpus} vCPU of the compute environment's ${p.maxVcpus} (MaxvCpus), ${(p.peakMemoryMiB / 1024).toFixed(1)} GiB memory`
    + ' (Fargate compute environments limit vCPUs only)');
  if (p.peakVcpus >= p.maxVcpus) lines.push('capacity: the run is held back by MaxvCpus: jobs waited in RUNNABLE for vCPUs');
  lines.push(`Fargate cost: $${p.cost.toFixed(4)} (on-demand Linux/x86 list price, ${FARGATE_PRICES.region}: $${FARGATE_PRICES.perVcpuHour} per vCPU-hour, `
    + `$${FARGATE_PRICES.perGbHour} per GB-hour, start delays included; Spot and ARM cost less)`);
  if (p.status !== 'SUCCEEDED') {
    const never = p.jobs.filter(j => j.start === undefined).map(j => j.name);
    const terminated = p.jobs.filter(j => j.terminated).map(j => j.name);
    lines.push('', `the run ends ${p.status}: ${p.error ?? ''}`);
    lines.push(`never started: ${never.join(', ') || 'none'}`);
    lines.push(`terminated by the workflow: ${terminated.join(', ') || 'none'}`);
    lines.push(`alert (the run's cause, which the failed-run alert sends): ${p.cause ?? ''}`);
  }
  return lines.join('\n');
}

export function simulateCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program.command('simulate')
    .description('predict a run from a synthesized template (or cdk.out): timeline, critical path, peak vCPU and memory, cost')
    .argument('<template>', 'a synthesized template (cdk.out/<stack>.template.json) or a cdk.out folder')
    .option('--duration <job=seconds>', 'how long a job runs (repeat for each job)', jobSeconds, {})
    .option('--durations <file.json>', 'how long jobs run, as {"job": seconds}')
    .option('--default-duration <seconds>', 'how long a job runs when not given', seconds, 600)
    .option('--start-delay <seconds>', 'Batch scheduling and Fargate start, per job start (docs/workflows.md: 30-60 s)', seconds, 30)
    .option('--fail <job>', 'a job that fails (exit code 1); repeat for more', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--date <YYYY-MM-DD>', 'the run date', '2024-05-01')
    .option('--gantt <file>', 'write the timeline as a Mermaid gantt chart: a .md file (renders on GitHub) or .mmd')
    .action(async (path: string, o: any) => {
      // --stack (the global option) picks the stack in a cdk.out folder that holds several platforms.
      const file = templateFile(path, program.opts().stack);
      const model = loadPlatform(file);
      const fromFile = o.durations ? JSON.parse(readFileSync(o.durations, 'utf8')) : {};
      let p: Prediction;
      try {
        const durations = { ...fromFile, ...o.duration };
        p = await predict(model, { durations, defaultDuration: o.defaultDuration, startDelay: o.startDelay, fail: o.fail, date: o.date });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      io.out(report(p, model.stackName, o.date));
      if (o.gantt) {
        writeFileSync(o.gantt, ganttFile(p, `Predicted run of ${model.stackName} for ${o.date}`, o.gantt));
        io.out(`timeline written to ${o.gantt}`);
      }
      setCode(0);
    });
}
