/**
 * Runs the batch-platform CLI as a child process: the one built from cli/ (once per test file, with cli/'s own tsc
 * config), or, when BATCH_PLATFORM_CLI_BIN names one, a CLI installed from the packed tarball
 * (scripts/ci/test-cli-package.sh),
 * with real AWS SDK clients pointed at a loopback endpoint (`AWS_ENDPOINT_URL`, which SDK v3 honours for every
 * service) and dummy credentials.
 */
import { execFile, execFileSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const CLI_DIR = join(__dirname, '..', '..', 'cli');
export const BIN = process.env.BATCH_PLATFORM_CLI_BIN ?? join(CLI_DIR, 'lib', 'cli', 'src', 'main.js');

/** Compiles cli/ (tsc -p cli/tsconfig.json), as its package build does; nothing to build for an installed CLI. */
export function buildCli(): void {
  if (process.env.BATCH_PLATFORM_CLI_BIN) return;
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(CLI_DIR, 'tsconfig.json')], { stdio: 'inherit' });
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** An environment with nothing of the machine's AWS setup: no profile, no credentials file, no instance metadata. */
export function cleanEnv(extra: { [key: string]: string | undefined }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: mkdtempSync(join(tmpdir(), 'cli-home-')),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** Runs `batch-platform <args>` with the given environment; resolves with its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, bin = BIN): Promise<CliResult> {
  return new Promise(resolve => {
    execFile(process.execPath, [bin, ...args], { env, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as any).code === 'number' ? (error as any).code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
