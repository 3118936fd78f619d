/**
 * The seed's platform with default props, in `dev` and in `prod`.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { SandersCustomerPlatformStack } from './platform-stack';

const app = new App();
const dev = new SandersCustomerPlatformStack(app, 'dev');
const prod = new SandersCustomerPlatformStack(app, 'prod');

new IntegTest(app, 'SandersBatchPlatformDefault', {
  testCases: [dev, prod],
  // Both stacks hold data in named resources; a deploy test must not leave prod's retained data behind.
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
