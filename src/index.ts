export * from './memory-tier';
export * from './workflow-job';
export * from './sanders-batch-platform';
