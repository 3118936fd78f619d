/**
 * The example platform: what a consuming team writes in its own CDK app. Shared by the example app
 * (`app.ts`, used by `cdk synth`/`cdk deploy`) and the integ tests; not an `integ.*` file itself.
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SandersBatchPlatform, SandersBatchPlatformProps } from '../../src';

/** The Python app's stack: `SandersCustomerPlatformStack-<environment>`. */
export class SandersCustomerPlatformStack extends Stack {
  public readonly platform: SandersBatchPlatform;

  constructor(scope: Construct, environment: string, props: StackProps & { platform?: SandersBatchPlatformProps } = {}) {
    super(scope, `SandersCustomerPlatformStack-${environment}`, {
      description: `Sanders Customer Platform batch processing pipeline (${environment})`,
      ...props,
    });
    this.platform = new SandersBatchPlatform(this, 'Platform', { environment, ...props.platform });
  }
}

/** The environment chosen with `-c environment=...`, `dev` when none is given. */
export function environmentOf(app: App): string {
  const value = app.node.tryGetContext('environment');
  return typeof value === 'string' && value !== '' ? value : 'dev';
}
