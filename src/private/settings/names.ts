/**
 * The seed's naming pattern, `{prefix}-{resource}-{environment}`, in one place.
 */
export class PlatformNames {
  constructor(public readonly prefix: string, public readonly environment: string) {}

  /** `sanders-customer-platform-dev` */
  public get bucket(): string {
    return `${this.prefix}-customer-platform-${this.environment}`;
  }

  /** `sanders_daily_customer_features_dev` */
  public get table(): string {
    return `${this.prefix}_daily_customer_features_${this.environment}`;
  }

  /** `sanders-customer-platform-dev` (the image name of the seed's push steps, per environment) */
  public get repository(): string {
    return `${this.prefix}-customer-platform-${this.environment}`;
  }

  /** `sanders-customer-platform-vpc-dev` */
  public get vpc(): string {
    return `${this.prefix}-customer-platform-vpc-${this.environment}`;
  }

  /** `sanders-batch-queue-dev` */
  public get jobQueue(): string {
    return `${this.prefix}-batch-queue-${this.environment}`;
  }

  /** `sanders-batch-compute-dev` (and `sanders-batch-compute-spot-dev`) */
  public computeEnvironment(spot: boolean): string {
    return `${this.prefix}-batch-compute-${spot ? 'spot-' : ''}${this.environment}`;
  }

  /** `sanders-batch-job-8gb-dev` */
  public jobDefinition(suffix: string): string {
    return `${this.prefix}-batch-job-${suffix}-${this.environment}`;
  }

  /** `sanders-customer-platform-workflow-dev` */
  public get stateMachine(): string {
    return `${this.prefix}-customer-platform-workflow-${this.environment}`;
  }

  /** `/aws/batch/sanders-customer-platform-dev` */
  public get jobLogGroup(): string {
    return `/aws/batch/${this.prefix}-customer-platform-${this.environment}`;
  }

  /** `/aws/vendedlogs/states/sanders-customer-platform-workflow-dev` */
  public get workflowLogGroup(): string {
    return `/aws/vendedlogs/states/${this.stateMachine}`;
  }

  /** `/aws/vpc/flowlogs/sanders-customer-platform-vpc-dev` */
  public get flowLogGroup(): string {
    return `/aws/vpc/flowlogs/${this.vpc}`;
  }
}
