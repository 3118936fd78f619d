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
  // The Node versions jsii 6 and the CDK CLI support (package.json `engines`); the README recommends the active LTS.
  // Node 20 reached end of life (jsii prints a banner and the simulation needs a polyfill there).
  minNodeVersion: '22.0.0',
  // Experimental until 1.0: the API may still change in a minor release, and `release:api-check` (jsii-diff) makes
  // every breaking change a minor (0.x) or major release whose changelog says so.
  stability: 'experimental',
  name: '@sanders/batch-platform',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  repositoryUrl: 'https://github.com/sanders/batch-platform.git',
  license: 'Apache-2.0',

  // No GitHub here: CI is `.ci/run`.
  github: false,
  // Versions from conventional commits with projen's bump/unbump/release tasks; see the "Release" block below.
  release: true,
  depsUpgrade: false,
  tsconfigDevFile: 'tsconfig.dev.json',
  // Lint tests and scripts with the dev tsconfig (the root tsconfig.json is jsii's and holds only src/).
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'scripts', 'projenrc', '.projenrc.ts'], tsconfigPath: './tsconfig.dev.json', projectService: false },

  experimentalIntegRunner: true,

  // Other teams consume the construct in their own language (built by `.ci/run`, tried by test-consumers/).
  publishToPypi: { distName: 'sanders-batch-platform', module: 'sanders.batch_platform' },
  publishToMaven: { javaPackage: 'com.sanders.batchplatform', mavenGroupId: 'com.sanders', mavenArtifactId: 'batch-platform' },
  // The Go module's go.mod pins cloud-assembly-schema-go at the npm version installed here; see the override below.
  publishToGo: { moduleName: 'github.com/sanders/batch-platform-go' },

  devDeps: [
    'cdk-nag@^3.0.2',
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    'aws-local-stepfunctions@^3.0.0',
    'asl-validator@^4.0.0',
    'fast-check@^4.11.0',
    // aws-cdk-lib 2.257.0 asks for ^53.25.0 and npm would pick 53.28.0, whose Go twin (cloud-assembly-schema-go
    // v53.28.0) the Go module proxy does not serve: the generated go.mod would not resolve. 53.25.0 is the version
    // aws-cdk-go's awscdk v2.257.0 itself requires.
    '@aws-cdk/cloud-assembly-schema@53.25.0',
    'aws-cdk@^2.1100.0',
    // minNodeVersion would make it ^22; the lock file holds 26.x, which the newest TypeScript's checks were run with.
    '@types/node@^26.6.6',
    // Mutation testing (issue 26). 9.6.1, not 10.x: Stryker 10 needs Node 22, and CI runs Node 20.
    '@stryker-mutator/core@9.6.1',
    '@stryker-mutator/jest-runner@9.6.1',
    '@stryker-mutator/typescript-checker@9.6.1',
  ],

  gitignore: [
    // `node_modules/` matches only a directory: a worktree's symlink to a shared install must not be committed.
    '/node_modules',
    '/.venv/',
    '/.ci-work/',
    'cdk.out/',
    '/test-consumers/**/node_modules/',
    '/test-consumers/**/target/',
    '/test-consumers/**/cdk.out/',
    '__pycache__/',
    // Stryker's sandbox and its reports (the incremental reports in test/mutation/incremental are committed).
    '/.stryker-tmp/',
    '/reports/',
  ],

  jestOptions: {
    jestConfig: {
      testTimeout: 120_000,
      // Coverage nearly doubles the suite's time on CI's 2 cores and nobody reads the report there;
      // `npx jest --coverage` gives it when wanted.
      collectCoverage: false,
      // One worker per core: jest's default (cores - 1) is a single worker on CI's 2 cores, and the suite takes twice
      // as long (12 minutes against 6, measured).
      maxWorkers: '100%',
      // The CLI's tests run against its packed and installed bin (scripts/ci/test-cli-package.sh), once: each
      // builds cli/ and drives loopback endpoints in real time, too slow to run in both jest passes as well.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cli/'],
    },
  },
});

// The dev tsconfig's `**/*.ts` skips dotfiles, so ESLint has no type information for this file without it.
project.tsconfigDev.addInclude('.projenrc.ts');

// Added after construction: projen drops ignore patterns under /test/ when it re-includes /test/.
project.gitignore.exclude('/test/integ/**/*.snapshot/asset.*', '/test/integ/cdk-integ.out.*', '/test/.snippets-*/');
project.npmignore?.exclude('/.ci/', '/test-consumers/', '/scripts/', '/cli/', '/cdk.json', '/.venv/', '/cdk.out/', '/requirements-dev.txt');

// `integ:update` rewrites the snapshots without deploying: the integ stacks use the real platform names, and a
// deploy test needs an account where those (global) bucket names are free; prod's data would stay behind.
project.tasks.tryFind('integ:update')?.reset('integ-runner $@ --language typescript --update-on-failed --dry-run', { receiveArgs: true });

// Pin the integ-tests alpha to a version the registry serves (projen adds `@latest`).
project.deps.removeDependency('@aws-cdk/integ-tests-alpha');
project.deps.addDependency(`@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA}`, DependencyType.DEVENV);

// The consumer apps build against the packed packages in a directory of their own, not against src/.
project.tsconfigDev.addExclude('test-consumers');

// The idle monthly cost of each network profile, from synthesized templates (the table in the README).
project.addTask('cost', {
  description: 'Print the idle monthly cost of the dev and prod stacks and each network profile, from their synthesized templates',
  exec: 'ts-node --prefer-ts-exts --transpile-only -P tsconfig.dev.json scripts/idle-cost.ts',
  env: { AWS_REGION: 'eu-central-1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
});

// Workflow benchmark: run time against the critical path and size per job (the figures in docs/workflows.md).
project.addTask('bench:workflow', {
  description: 'Print simulated run time / critical path for several job graphs, and synth time, resources and sizes for 10, 50 and 200 jobs',
  exec: 'ts-node --transpile-only -P tsconfig.dev.json scripts/bench-workflow.ts',
  env: { AWS_REGION: 'eu-central-1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
});

// Docs (helper DOCS, issue 10): the tables in docs/ derived from the code, rewritten after docgen like API.md
// (test/docs-tables.test.ts fails when a committed one differs), and the synth benchmark (figures in docs/operations.md).
const docsTables = project.addTask('docs:tables', {
  description: 'Write the tables in docs/ that are derived from the code (props from .jsii, idle cost, acknowledged findings)',
  exec: 'ts-node --prefer-ts-exts --transpile-only -P tsconfig.dev.json scripts/docs-tables.ts',
  env: { AWS_REGION: 'eu-central-1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
});
project.postCompileTask.spawn(docsTables);
project.addTask('bench:synth', {
  description: 'Print the synth time of the example prod stack against an empty CDK app, each in a fresh node process, and their ratio',
  exec: 'ts-node --transpile-only -P tsconfig.dev.json scripts/bench-synth.ts',
  receiveArgs: true,
  env: { AWS_REGION: 'eu-central-1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
});

// Mutation testing (issue 26; docs/contributing.md): StrykerJS over the modules where a bug costs data, money or a
// night, group by group (test/mutation/groups.mjs), incremental; `npx projen mutation watch lock` runs two groups.
project.addTask('mutation', {
  description: 'Mutation-test the modules whose inputs changed (StrykerJS, incremental); give group names to run only those, MUTATION_FULL=1 to re-test every mutant',
  exec: 'bash scripts/ci/mutation.sh',
  receiveArgs: true,
  env: { AWS_REGION: 'eu-central-1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
});
// A group too big to run in full on this machine is measured on a seeded random sample of its own mutants:
// `npx projen mutation:sample workflow 15 1` (group, sample size, seed).
project.addTask('mutation:sample', {
  description: 'Mutation-test a seeded random sample of a group\'s mutants (StrykerJS) and record its score with a 95 % interval in test/mutation/samples',
  exec: 'node scripts/ci/mutation-sample.mjs',
  receiveArgs: true,
  env: { AWS_REGION: 'eu-central-1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
});

// ---------------------------------------------------------------------------------------------------------------
// Release (helper REL, issue 14; docs/releasing.md). Versions come from projen's `bump` (the latest `v*` tag and the
// conventional commits since); `release` = bump, build, unbump, "no changed files". The released version is
// recorded in committed files, so a clone without tags still bumps from it: CHANGELOG.md's top section and the
// released npm tarball in releases/ (the previous release of the upgrade-safety check).
// Construct Hub lists a package by the `awscdk` keyword (with `cdk`, stability, repository and license).
project.addKeywords('awscdk');
// The CloudFormation resource database aws-cdk-lib's L1 classes are generated from: which property changes
// replace a resource (scripts/ci/upgrade-safety.ts). Pinned: the version integ-runner already brings.
project.deps.addDependency('@aws-cdk/aws-service-spec@0.1.167', DependencyType.DEVENV);
// A clone without the release tag (CI's fresh clone, a fork) gets it back from CHANGELOG.md before bumping.
project.tasks.tryFind('bump')?.prependExec('bash scripts/ci/restore-release-tag.sh');
project.addTask('release:record', {
  description: 'After `npx projen release`: prepend dist/changelog.md to CHANGELOG.md and keep the npm tarball in releases/ (the next upgrade check\'s previous release)',
  exec: 'bash scripts/ci/record-release.sh',
});
project.addTask('release:check', {
  description: 'Check the packages in dist/ before publishing: npm publish --dry-run, twine check, the tarball\'s files, Construct Hub metadata, one version in every language',
  exec: 'bash scripts/ci/package-checks.sh',
});
project.addTask('release:api-check', {
  description: 'Compare the public API (.jsii) with the previous release in releases/npm/ (jsii-diff, experimental APIs included); fail on a breaking change unless the version is major (minor while 0.x) and its changelog says BREAKING',
  exec: 'bash scripts/ci/api-compat.sh',
});
// projen's own `compat` task compares with the package on a public npm registry, which this package is not on.
project.tasks.tryFind('compat')?.reset('bash scripts/ci/api-compat.sh');
project.addTask('release:upgrade-check', {
  description: 'Synthesize the example prod stack with the previous release (from the local npm registry) and the new build; fail when a resource holding data would be replaced or deleted',
  exec: 'bash scripts/ci/upgrade-safety.sh',
});
// What the loopback registries and the CI scripts leave in the work tree is not part of the package either.
// The package ships CHANGELOG.md (what changed, breaking changes first) and the user docs, not the contributor docs.
project.npmignore?.exclude('/releases/', '/.ci-work/', '/.venv/', '/docs/contributing.md', '/docs/releasing.md', '/stryker.config.mjs', '/tsconfig.mjs.json', '/.stryker-tmp/', '/reports/');
project.npmignore?.include('/CHANGELOG.md');
// The released npm tarball is kept in git (`*.tgz` is ignored everywhere else).
project.gitignore.include('/releases/npm/*.tgz');
// ---------------------------------------------------------------------------------------------------------------

// The test task's jest goes through scripts/ci/jest.sh: plain for developers, on another day's clock in CI
// (JEST_OTHER_CLOCK=1), so CI runs the suite once instead of twice.
project.testTask.reset('bash scripts/ci/jest.sh --passWithNoTests --updateSnapshot', { receiveArgs: true });
project.testTask.spawn(project.tasks.tryFind('eslint')!);
project.testTask.spawn(project.tasks.tryFind('integ')!);

project.synth();
