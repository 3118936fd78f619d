/**
 * The problems of the props, collected by every check and thrown as one error, so bad input never leaves a
 * half-built construct tree and the caller sees all of it at once.
 */
import { Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformNames } from './names';
import type { DataSettings } from './settings';
import type { DataSafety } from '../../data-safety';
import type { MemoryTier } from '../../memory-tier';
import type { SandersBatchPlatformProps } from '../../sanders-batch-platform-props';
import type { WorkflowJob } from '../../workflow-job';

/** Collects problems and throws them as one error. */
export class Problems {
  private readonly messages: string[] = [];

  public add(message: string): void {
    this.messages.push(message);
  }

  public get count(): number {
    return this.messages.length;
  }

  public throwIfAny(what: string): void {
    if (this.messages.length === 0) return;
    const list = this.messages.map(m => `  - ${m}`).join('\n');
    throw new Error(`invalid ${what} (${this.messages.length} problem${this.messages.length > 1 ? 's' : ''}):\n${list}`);
  }
}

/** Fails on an unresolved token where a literal is needed to validate or to build names. */
export function requireLiteral(problems: Problems, what: string, value: unknown): boolean {
  if (value !== undefined && Token.isUnresolved(value)) {
    problems.add(`${what} is an unresolved token (${String(value)}); it must be a literal known at synth time, because names and the workflow are built from it`);
    return false;
  }
  return true;
}

/** The values the checks need beyond the props, as `resolveSettings` derived them. */
export interface CheckedValues {
  readonly environment: string;
  readonly names: PlatformNames;
  readonly data: DataSettings;
  readonly tiers: MemoryTier[];
  readonly workflow: WorkflowJob[];
  readonly maxvCpus: number;
  /** The environment and the prefix are valid, so the names built from them are worth checking. */
  readonly namesValid: boolean;
  /** The data safety the props chose, or the environment's default. */
  readonly dataSafety: DataSafety;
  /** The platform being built, when there is one: its stack's account and region (checks of global names). */
  readonly platform?: Construct;
}

/**
 * One check of the props: adds each problem it finds (naming the prop, the value and the fix) and never throws.
 * `checks.ts` runs them in a fixed order, which is the order of the messages.
 */
export type PropsCheck = (problems: Problems, props: SandersBatchPlatformProps, values: CheckedValues) => void;
