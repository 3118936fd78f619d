import { Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * One job size of the platform: a name, the memory and the vCPUs a Fargate task gets.
 *
 * Each tier becomes one AWS Batch job definition; workflow jobs pick a tier by its name.
 */
export interface MemoryTier {
  /**
   * The tier's name, used by workflow jobs (`WorkflowJob.tier`) and in the job definition's name.
   *
   * 1-32 characters: lowercase letters, digits and hyphens, starting with a letter or digit.
   */
  readonly name: string;

  /**
   * The memory the job's container gets.
   *
   * Must be a value AWS Fargate accepts for `vcpu`, e.g. 2 GiB with 0.25, 0.5 or 1 vCPU.
   *
   * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html
   */
  readonly memory: Size;

  /**
   * The number of vCPUs the job's container gets: 0.25, 0.5, 1, 2, 4, 8, 16 or 32.
   *
   * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html
   */
  readonly vcpu: number;

  /**
   * The CPU architecture of the Fargate task. ARM64 (Graviton) costs about 20 % less;
   * the image must be built for it.
   *
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * The ephemeral storage of the Fargate task, 21-200 GiB.
   *
   * @default - Fargate's default of 20 GiB
   */
  readonly ephemeralStorage?: Size;

  /**
   * The image the tier's jobs run: any `ecs.ContainerImage`. With `ContainerImage.fromAsset('./job')`,
   * `cdk deploy` builds the image and pushes it to the CDK bootstrap repository, and the job definition runs it.
   *
   * The execution role is granted the pull. Images are pulled through the platform's NAT gateway (in dev, the
   * on-demand one a run holds), like the platform's own repository.
   *
   * @default - the platform's ECR repository at `imageTag`
   */
  readonly image?: ecs.ContainerImage;
}

/**
 * The three job sizes of the Python app this library replaces: 2, 8 and 16 GiB.
 *
 * The vCPU counts are the smallest that leave headroom for the memory: 1 vCPU for 2 GiB,
 * 2 vCPUs for 8 GiB, 4 vCPUs for 16 GiB (Fargate would also accept 0.25-1, 1-4 and 2-8).
 */
export class DefaultMemoryTiers {
  /** 2 GiB with 1 vCPU, named `2gb`. */
  public static readonly SMALL: MemoryTier = { name: '2gb', memory: Size.gibibytes(2), vcpu: 1 };
  /** 8 GiB with 2 vCPUs, named `8gb`. */
  public static readonly MEDIUM: MemoryTier = { name: '8gb', memory: Size.gibibytes(8), vcpu: 2 };
  /** 16 GiB with 4 vCPUs, named `16gb`. */
  public static readonly LARGE: MemoryTier = { name: '16gb', memory: Size.gibibytes(16), vcpu: 4 };

  /** All three, smallest first. */
  public static all(): MemoryTier[] {
    return [DefaultMemoryTiers.SMALL, DefaultMemoryTiers.MEDIUM, DefaultMemoryTiers.LARGE];
  }

  private constructor() {}
}
