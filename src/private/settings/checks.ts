/**
 * Every check of the props, in one pass with one report: all problems are thrown together, before any resource
 * exists. This file only lists the checks; each kind lives in a module of its own:
 *
 * | module | checks |
 * |---|---|
 * | `type-checks.ts` | the JavaScript type of every prop (before anything is derived from them) |
 * | `data-model-checks.ts` | what a team other than Sanders must give (workflow, table keys), metric namespace, global names |
 * | `name-checks.ts` | environment, prefix, bucket, table and repository names, image tag, job definition names |
 * | `data-checks.ts` | data safety and removal: removal policy, auto-delete, deletion protection, backup |
 * | `existing-checks.ts` | the bucket, table and key a team brings |
 * | `compute-checks.ts` | maxvCpus, memory tiers against Fargate, Spot, network |
 * | `workflow-checks.ts` | jobs, dependencies, retries, timeouts, data access; `submission-checks.ts`: sizes |
 * | `schedule-checks.ts` | the schedule; its grammar is `schedule-grammar.ts` |
 * | `alarm-checks.ts` | alarm e-mails and the RUNNABLE timeout |
 *
 * To add a check: write a `PropsCheck` in the module of its kind and add it to `CHECKS` below, where its messages
 * should come in the report.
 */
import { checkAlarms } from './alarm-checks';
import { checkCapacity, checkNetwork, checkSpot, checkTiersFitMaxvCpus } from './compute-checks';
import { checkDisposableProd, checkRemoval } from './data-checks';
import { checkDataModel } from './data-model-checks';
import { checkExistingResources } from './existing-checks';
import { checkJobDefinitionNamesOf, checkNames, namesAreValid } from './name-checks';
import { CheckedValues, Problems, PropsCheck } from './problems';
import { checkSchedule } from './schedule-checks';
import { checkPropTypes } from './type-checks';
import { checkWorkflow } from './workflow-checks';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';

/** The checks in the order their messages appear. */
const CHECKS: readonly PropsCheck[] = [
  checkDataModel,
  checkNames,
  checkRemoval,
  checkDisposableProd,
  checkExistingResources,
  checkCapacity,
  checkWorkflow,
  checkTiersFitMaxvCpus,
  checkJobDefinitionNamesOf,
  checkSpot,
  checkNetwork,
  checkSchedule,
  checkAlarms,
];

/**
 * The JavaScript types of the props, before anything is derived from them: resolving the defaults and the other
 * checks would trip over a wrong type. Throws when a type is wrong in a way they would stumble over; returns the
 * problems found so far, for `checkProps`.
 */
export function checkTypes(props: SandersBatchPlatformProps): Problems {
  const problems = new Problems();
  if (!checkPropTypes(problems, props)) problems.throwIfAny('SandersBatchPlatform configuration');
  return problems;
}

/** Throws one error listing every problem of the props (with those `checkTypes` and the stack names found). */
export function checkProps(props: SandersBatchPlatformProps, v: Omit<CheckedValues, 'namesValid'>, problems: Problems = new Problems()): void {
  const values: CheckedValues = { ...v, namesValid: namesAreValid(v.environment, v.names.prefix) };
  for (const check of CHECKS) check(problems, props, values);
  problems.throwIfAny('SandersBatchPlatform configuration');
}
