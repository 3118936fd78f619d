export * from './memory-tier';
export * from './workflow-job';
export * from './network-profile';
export * from './data-safety';
export * from './workflow-schedule';
export * from './on-job-failure';
export * from './sanders-batch-platform-props';
export * from './sanders-batch-platform';
