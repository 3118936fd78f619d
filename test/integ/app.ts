/**
 * The example app, as the Python app's `app.py`: `npx cdk synth`, `npx cdk deploy -c environment=prod`.
 */
import { App } from 'aws-cdk-lib';
import { environmentOf, SandersCustomerPlatformStack } from './platform-stack';

const app = new App();
new SandersCustomerPlatformStack(app, environmentOf(app), {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
