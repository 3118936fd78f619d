/**
 * The Python app's platform with default props, in `dev` and in `prod`.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { SandersCustomerPlatformStack } from './platform-stack';

const app = new App();
export const dev = new SandersCustomerPlatformStack(app, 'dev');
export const prod = new SandersCustomerPlatformStack(app, 'prod');

new IntegTest(app, 'SandersBatchPlatformDefault', {
  testCases: [dev, prod],
  // Snapshot tests (`npx projen integ`). A deploy of these cases needs an account where the names are free, and
  // leaves prod's retained data resources behind: delete them by hand after such a test.
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
