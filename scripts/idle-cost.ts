/**
 * The idle monthly cost of the platform, from synthesized templates: what a stack costs every month
 * before a single job runs. `npx projen cost` prints it as the Markdown table in docs/networking-and-cost.md.
 *
 * It counts the resources that are billed by the hour or by the month whether or not anything runs:
 * NAT gateways, public IPv4 addresses (Elastic IPs), interface VPC endpoints (per AZ), EC2 instances,
 * KMS keys, CloudWatch alarms (per metric) and dashboards. Everything else the platform creates (S3,
 * DynamoDB on demand, ECR, Batch, Fargate, Step Functions, EventBridge, Scheduler, SNS, Logs) is billed
 * by use or storage only, so it costs nothing (or cents of storage) while idle.
 */
import { App, Stack } from 'aws-cdk-lib';
import { NetworkProfile, SandersBatchPlatform } from '../src';

/**
 * List prices, eu-central-1, as gathered in the project's FACTS.md ("check before quoting to users"):
 * https://aws.amazon.com/vpc/pricing/ , https://aws.amazon.com/privatelink/pricing/ ,
 * https://aws.amazon.com/ec2/pricing/on-demand/ , https://aws.amazon.com/kms/pricing/ ,
 * https://aws.amazon.com/cloudwatch/pricing/ .
 */
export const PRICES = {
  region: 'eu-central-1',
  hoursPerMonth: 730,
  natGatewayPerHour: 0.052,
  publicIpv4PerHour: 0.005,
  interfaceEndpointPerAzHour: 0.012,
  instancePerHour: { 't4g.nano': 0.0048 } as Record<string, number>,
  /** A customer-managed key: $1 a month, plus $1 for each of its first two rotations. */
  kmsKeyPerMonth: 1,
  /** A key with automatic yearly rotation costs $3 a month from its second rotation on: the figure counted. */
  kmsRotationsCharged: 2,
  /** Per standard-resolution alarm metric. */
  alarmMetricPerMonth: 0.1,
  /**
   * Counted for every dashboard: the account's first three are free, but a platform cannot know how
   * many its account already has, so the figure is the worst case.
   */
  dashboardPerMonth: 3,
};

export interface CostLine {
  readonly item: string;
  readonly count: number;
  readonly monthly: number;
}

export interface IdleCost {
  readonly lines: CostLine[];
  readonly total: number;
}

type Resource = { Type: string; Properties?: { [key: string]: any } };

/** The idle monthly cost of one CloudFormation template (JSON), in US dollars. */
export function idleMonthlyCost(template: { Resources?: { [id: string]: Resource } }): IdleCost {
  const resources = Object.values(template.Resources ?? {});
  const ofType = (type: string) => resources.filter(r => r.Type === type);
  const hourly = (perHour: number) => perHour * PRICES.hoursPerMonth;
  const lines: CostLine[] = [];
  const add = (item: string, count: number, monthly: number) => lines.push({ item, count, monthly: round(monthly) });

  const nats = ofType('AWS::EC2::NatGateway');
  add('NAT gateways', nats.length, nats.length * hourly(PRICES.natGatewayPerHour));
  const eips = ofType('AWS::EC2::EIP');
  add('Public IPv4 addresses', eips.length, eips.length * hourly(PRICES.publicIpv4PerHour));
  const endpointAzs = ofType('AWS::EC2::VPCEndpoint')
    .filter(r => r.Properties?.VpcEndpointType === 'Interface')
    .reduce((n, r) => n + Math.max(1, (r.Properties?.SubnetIds ?? []).length), 0);
  add('Interface endpoints (per AZ)', endpointAzs, endpointAzs * hourly(PRICES.interfaceEndpointPerAzHour));
  let instanceCost = 0;
  const instances = ofType('AWS::EC2::Instance');
  for (const instance of instances) {
    const type = instance.Properties?.InstanceType;
    const price = typeof type === 'string' ? PRICES.instancePerHour[type] : undefined;
    if (price === undefined) throw new Error(`no price for instance type ${JSON.stringify(type)}: add it to PRICES.instancePerHour`);
    instanceCost += hourly(price);
  }
  add('EC2 instances', instances.length, instanceCost);
  const keys = ofType('AWS::KMS::Key');
  const keyCost = (k: Resource) => PRICES.kmsKeyPerMonth * (1 + (k.Properties?.EnableKeyRotation === true ? PRICES.kmsRotationsCharged : 0));
  add('KMS keys (rotated: from year 3)', keys.length, keys.reduce((sum, k) => sum + keyCost(k), 0));
  const alarmMetrics = ofType('AWS::CloudWatch::Alarm')
    .reduce((n, r) => n + (Array.isArray(r.Properties?.Metrics) ? r.Properties!.Metrics.filter((m: any) => m.MetricStat).length : 1), 0);
  add('CloudWatch alarm metrics', alarmMetrics, alarmMetrics * PRICES.alarmMetricPerMonth);
  const dashboards = ofType('AWS::CloudWatch::Dashboard');
  add('CloudWatch dashboards', dashboards.length, dashboards.length * PRICES.dashboardPerMonth);

  return { lines, total: round(lines.reduce((sum, l) => sum + l.monthly, 0)) };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface ProfileCost {
  readonly stack: string;
  readonly profile: string;
  readonly cost: IdleCost;
}

/**
 * Synthesizes a fresh consumer app (a stack named like the example's, `SandersCustomerPlatformStack-<env>`, with
 * the platform in it, as a consuming team writes it) with default props in `dev` and `prod`, and with each other
 * network profile, and prices each template.
 */
export function profileCosts(): ProfileCost[] {
  const cases: Array<{ environment: string; label: string; profile?: NetworkProfile }> = [
    { environment: 'dev', label: 'dev, default props (`ON_DEMAND_EGRESS`)' },
    { environment: 'prod', label: 'prod, default props (`NAT_GATEWAY_PER_AZ`)' },
    { environment: 'dev', label: '`SINGLE_NAT_GATEWAY`', profile: NetworkProfile.SINGLE_NAT_GATEWAY },
    { environment: 'dev', label: '`NAT_GATEWAY_PER_AZ`', profile: NetworkProfile.NAT_GATEWAY_PER_AZ },
    { environment: 'prod', label: '`ON_DEMAND_EGRESS`', profile: NetworkProfile.ON_DEMAND_EGRESS },
  ];
  return cases.map(c => {
    const app = new App();
    const stack = new Stack(app, `SandersCustomerPlatformStack-${c.environment}`);
    new SandersBatchPlatform(stack, 'Platform', { environment: c.environment, ...(c.profile ? { networkProfile: c.profile } : {}) });
    const template = app.synth().getStackByName(stack.stackName).template;
    return { stack: stack.stackName, profile: c.label, cost: idleMonthlyCost(template) };
  });
}

/** The costs as a Markdown table. */
export function markdownTable(costs: ProfileCost[]): string {
  const items = costs[0].cost.lines.map(l => l.item);
  const header = ['Stack / profile', ...items, 'Idle $/month'];
  const rows = costs.map(c => [
    `${c.stack}: ${c.profile}`,
    ...c.cost.lines.map(l => (l.count === 0 ? '0' : `${l.count} ($${l.monthly.toFixed(2)})`)),
    `**$${c.cost.total.toFixed(2)}**`,
  ]);
  return [header, header.map(() => '---'), ...rows].map(r => `| ${r.join(' | ')} |`).join('\n');
}

/** The prices the table counts, as docs/networking-and-cost.md prints them under it. */
export function priceNote(): string {
  return `List prices ${PRICES.region}, ${PRICES.hoursPerMonth} h/month: NAT gateway $${PRICES.natGatewayPerHour}/h, public IPv4 $${PRICES.publicIpv4PerHour}/h, `
    + `interface endpoint $${PRICES.interfaceEndpointPerAzHour}/h per AZ, KMS key $${PRICES.kmsKeyPerMonth}/month + $${PRICES.kmsKeyPerMonth} for each of its first ${PRICES.kmsRotationsCharged} rotations, alarm $${PRICES.alarmMetricPerMonth}/metric-month, `
    + `dashboard $${PRICES.dashboardPerMonth}/month (counted although an account's first three are free). Usage (NAT hours during runs, Fargate, data) is not included.`;
}

if (require.main === module) {
  const costs = profileCosts();
  console.log(markdownTable(costs));
  console.log();
  console.log(priceNote());
}
