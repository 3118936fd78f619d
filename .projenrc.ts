import { awscdk, DependencyType, javascript } from 'projen';

// Versions the npm registry mirror serves; `@latest` of the integ-tests alpha is not always one of them
// and its peer range can break `npm install`, so it is pinned here.
const CDK_VERSION = '2.257.0';
const INTEG_TESTS_ALPHA = '2.245.0-alpha.0';

const project = new awscdk.AwsCdkConstructLibrary({
  author: 'Sanders Platform team',
  authorAddress: 'platform@sanders.example',
  description:
    'One AWS CDK construct that builds a secure, cost-aware batch data platform: S3, DynamoDB, ECR, VPC, AWS Batch on Fargate and a Step Functions workflow.',
  keywords: ['cdk', 'aws-batch', 'fargate', 'step-functions', 'data-platform'],
  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  name: '@sanders/batch-platform',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  repositoryUrl: 'https://github.com/sanders/batch-platform.git',
  license: 'Apache-2.0',

  // No GitHub here: CI is `.ci/run`.
  github: false,
  release: false,
  depsUpgrade: false,
  tsconfigDevFile: 'tsconfig.dev.json',

  experimentalIntegRunner: true,

  devDeps: [
    'cdk-nag@^3.0.2',
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    'aws-local-stepfunctions@^3.0.0',
    'asl-validator@^4.0.0',
    'fast-check@^4.11.0',
    `aws-cdk@^2.1100.0`,
  ],

  gitignore: [
    '/.venv/',
    '/.ci-work/',
    'cdk.out/',
    '/test/integ/**/asset.*',
    '/test/integ/**/*.snapshot/asset.*',
    '/test-consumers/**/node_modules/',
    '/test-consumers/**/target/',
    '/test-consumers/**/cdk.out/',
    '__pycache__/',
  ],

  jestOptions: {
    jestConfig: {
      testTimeout: 120_000,
    },
  },
});

project.npmignore?.exclude('/.ci/', '/test-consumers/', '/scripts/', '/cdk.json', '/.venv/');

// Pin the integ-tests alpha to a version the registry serves (projen adds `@latest`).
project.deps.removeDependency('@aws-cdk/integ-tests-alpha');
project.deps.addDependency(`@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA}`, DependencyType.DEVENV);

project.synth();
