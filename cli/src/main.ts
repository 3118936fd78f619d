#!/usr/bin/env node
/**
 * batch-platform: run, backfill, resume, watch and read the logs of a deployed @sanders/batch-platform stack, and
 * simulate a workflow before it deploys. Exit codes: 0 done (a watched run succeeded), 1 the run failed,
 * 2 a usage or configuration error (the message says what to do).
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliError, explain } from './errors';
import { logs } from './logs';
import { findPlatform, Platform } from './platform';
import { checkDate, findRunByDate, startBackfill, startResume, startRun } from './runs';
import { simulateCommand } from './simulate/command';
import { Io, status } from './status';

interface Globals {
  readonly stack?: string;
  readonly region?: string;
  readonly profile?: string;
}

/** The clients and the platform of one command. */
class Session {
  public readonly sfn: SFNClient;
  public readonly batch: BatchClient;
  public readonly logs: CloudWatchLogsClient;
  private readonly cfn: CloudFormationClient;

  constructor(public readonly stackName: string, public readonly region: string | undefined) {
    const config = region ? { region } : {};
    this.sfn = new SFNClient(config);
    this.batch = new BatchClient(config);
    this.logs = new CloudWatchLogsClient(config);
    this.cfn = new CloudFormationClient(config);
  }

  public async platform(): Promise<Platform> {
    const region = await this.cfn.config.region();
    return findPlatform(this.cfn, this.stackName, region);
  }
}

function dateOption(value: string): string {
  try {
    return checkDate(value, 'date');
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`'${value}' is not a positive number`);
  return n;
}

/** Runs the tool with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io = terminal(), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let code = 0;
  let context: { region?: string; stackName?: string } = {};
  const program = new Command('batch-platform')
    .description('Run, backfill, resume, watch and read the logs of a @sanders/batch-platform stack; simulate a workflow before it deploys.')
    .addOption(new Option('--stack <name>', 'the platform\'s CloudFormation stack, e.g. SandersCustomerPlatformStack-dev').env('BATCH_PLATFORM_STACK'))
    .option('--region <region>', 'the region the stack is deployed in (default: AWS_REGION or the profile\'s)')
    .option('--profile <profile>', 'the AWS profile to use (default: AWS_PROFILE)')
    .exitOverride()
    .configureOutput({ writeOut: s => io.out(s.trimEnd()), writeErr: s => io.err(s.trimEnd()) });

  const session = async (): Promise<{ s: Session; platform: Platform }> => {
    const g = program.opts<Globals>();
    if (!g.stack) throw new CliError('which platform? pass --stack <stack name> (e.g. SandersCustomerPlatformStack-dev) or set BATCH_PLATFORM_STACK');
    if (g.profile) env.AWS_PROFILE = g.profile;
    const region = g.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    context = { region, stackName: g.stack };
    const s = new Session(g.stack, region);
    const platform = await s.platform();
    context = { region: platform.region, stackName: g.stack };
    return { s, platform };
  };
  const watchOpts = (cmd: Command) => cmd
    .option('--watch', 'show the run until it ends; exit 1 when it fails')
    .option('--interval <seconds>', 'seconds between looks when watching', positiveNumber, 15);

  watchOpts(program.command('run').description('start a run of the workflow for a date')
    .requiredOption('--date <YYYY-MM-DD>', 'the run date', dateOption))
    .action(async (o: any) => {
      const { s, platform } = await session();
      const arn = await startRun(s.sfn, platform, o.date, io.now());
      io.out(`started run of ${o.date}: ${arn}`);
      code = o.watch ? await status(s.sfn, s.batch, platform, arn, { watch: true, intervalSeconds: o.interval }, io) : 0;
      if (!o.watch) io.out(`watch it: batch-platform --stack ${platform.stackName} status ${arn} --watch`);
    });

  program.command('backfill').description('run the workflow for every date from --from to --to')
    .requiredOption('--from <YYYY-MM-DD>', 'the first date', dateOption)
    .requiredOption('--to <YYYY-MM-DD>', 'the last date (included)', dateOption)
    .option('--concurrency <n>', 'dates run at once (1-40)', v => Number(v), 1)
    .option('--stop-on-failure', 'start no further date after one fails', false)
    .action(async (o: any) => {
      const { s, platform } = await session();
      const options = { from: o.from, to: o.to, maxConcurrency: o.concurrency, stopOnFailure: o.stopOnFailure };
      const arn = await startBackfill(s.sfn, platform, options, io.now());
      io.out(`started backfill ${o.from} to ${o.to}: ${arn}`);
    });

  watchOpts(program.command('resume').description('run a failed run again, skipping the jobs that succeeded in it')
    .argument('[run]', 'the failed run\'s execution ARN')
    .option('--date <YYYY-MM-DD>', 'resume the latest failed run of this date', dateOption))
    .action(async (run: string | undefined, o: any) => {
      const { s, platform } = await session();
      const failed = await runOf(s, platform, run, o.date, 'FAILED');
      const arn = await startResume(s.sfn, platform, failed, io.now());
      io.out(`resuming ${failed}: ${arn}`);
      code = o.watch ? await status(s.sfn, s.batch, platform, arn, { watch: true, intervalSeconds: o.interval }, io) : 0;
    });

  watchOpts(program.command('status').description('a run\'s state and its jobs: status, attempts, start, duration, exit code')
    .argument('[run]', 'the run\'s execution ARN')
    .option('--date <YYYY-MM-DD>', 'the latest run of this date', dateOption))
    .action(async (run: string | undefined, o: any) => {
      const { s, platform } = await session();
      const arn = await runOf(s, platform, run, o.date);
      code = await status(s.sfn, s.batch, platform, arn, { watch: !!o.watch, intervalSeconds: o.interval }, io);
    });

  program.command('logs').description('a job\'s log, every attempt')
    .argument('<run>', 'the run\'s execution ARN').argument('<job>', 'the workflow job\'s name')
    .option('--follow', 'keep printing new lines until the job ends')
    .option('--interval <seconds>', 'seconds between looks when following', positiveNumber, 5)
    .action(async (run: string, job: string, o: any) => {
      const { s, platform } = await session();
      code = await logs(s.batch, s.logs, platform, run, job, { follow: !!o.follow, intervalSeconds: o.interval }, io);
    });


  simulateCommand(program, io, c => { code = c; });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    io.err(`batch-platform: ${explain(e, context)}`);
    return 2;
  }
}

async function runOf(s: Session, platform: Platform, run: string | undefined, date: string | undefined, statusFilter?: 'FAILED'): Promise<string> {
  if (run && date) throw new CliError('give the run\'s ARN or --date, not both');
  if (run) return run;
  if (date) return findRunByDate(s.sfn, platform, date, statusFilter);
  throw new CliError('which run? pass its execution ARN (printed by run, and named in the alert) or --date YYYY-MM-DD');
}

function terminal(): Io {
  return {
    out: text => process.stdout.write(`${text}\n`),
    err: text => process.stderr.write(`${text}\n`),
    sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
    now: () => new Date(),
  };
}

if (require.main === module) {
  // Exit as soon as the command is done: the emulator of `simulate` can leave a timer of its own behind.
  void main(process.argv.slice(2)).then(c => process.exit(c));
}
