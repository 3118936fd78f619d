/**
 * AWS Fargate on-demand list prices, Linux/x86, eu-central-1, as the project's FACTS.md gives them ("check before
 * quoting to users"): https://aws.amazon.com/fargate/pricing/ . "AWS Fargate pricing is calculated based on the vCPU,
 * memory, ... used from the time you start to download your container image until the Amazon ECS Task ... terminates,
 * rounded up to the nearest second."
 */
export const FARGATE_PRICES = {
  region: 'eu-central-1',
  perVcpuHour: 0.04656,
  perGbHour: 0.00511,
};

/** The cost of one task: its vCPUs and memory for `seconds`, rounded up to the second. */
export function fargateCost(vcpu: number, memoryMiB: number, seconds: number): number {
  const hours = Math.ceil(Math.max(0, seconds)) / 3600;
  return hours * (vcpu * FARGATE_PRICES.perVcpuHour + (memoryMiB / 1024) * FARGATE_PRICES.perGbHour);
}
