/**
 * A consumer app as another team would write it: `SandersBatchPlatform` with default props (dev), and once
 * more with only `environment: 'prod'`. Synthesized by scripts/ci/cfn-lint.sh into the directory given as
 * the first argument.
 */
import { App, Stack } from 'aws-cdk-lib';
import { SandersBatchPlatform } from '../../src';

const app = new App({ outdir: process.argv[2] ?? 'cdk.out/default-consumer' });
new SandersBatchPlatform(new Stack(app, 'DefaultConsumer'), 'Platform');
new SandersBatchPlatform(new Stack(app, 'DefaultConsumerProd'), 'Platform', { environment: 'prod' });
app.synth();
