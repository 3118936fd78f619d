import { idleMonthlyCost, markdownTable, priceNote, PRICES, profileCosts, ProfileCost } from '../scripts/idle-cost';

const MONTH = PRICES.hoursPerMonth;

describe('idleMonthlyCost', () => {
  test('prices every idle-billed resource of a template', () => {
    // GIVEN a template with one of each idle-billed resource, an interface endpoint in two AZs,
    // a metric-math alarm over two metrics, and resources that cost nothing while idle
    const template = {
      Resources: {
        Nat: { Type: 'AWS::EC2::NatGateway' },
        Eip: { Type: 'AWS::EC2::EIP' },
        Endpoint: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', SubnetIds: ['a', 'b'] } },
        S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway' } },
        Nano: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 't4g.nano' } },
        Key: { Type: 'AWS::KMS::Key' },
        RotatedKey: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
        Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'x' } },
        MathAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Expression: 'a+b' }, { MetricStat: {} }, { MetricStat: {} }] } },
        Dashboard: { Type: 'AWS::CloudWatch::Dashboard' },
        Bucket: { Type: 'AWS::S3::Bucket' },
      },
    };
    // WHEN
    const cost = idleMonthlyCost(template);
    // THEN each line is count x list price
    const line = (item: string) => cost.lines.find(l => l.item === item)!;
    expect(line('NAT gateways')).toEqual({ item: 'NAT gateways', count: 1, monthly: 37.96 });
    expect(line('Public IPv4 addresses').monthly).toBeCloseTo(0.005 * MONTH, 2);
    expect(line('Interface endpoints (per AZ)')).toMatchObject({ count: 2, monthly: 17.52 });
    expect(line('EC2 instances').monthly).toBeCloseTo(0.0048 * MONTH, 2);
    expect(line('CloudWatch alarm metrics').count).toBe(3);
    // A key without rotation is $1; a rotated key $3 from its second rotation on.
    expect(line('KMS keys (rotated: from year 3)')).toEqual({ item: 'KMS keys (rotated: from year 3)', count: 2, monthly: 1 + 3 });
    expect(line('CloudWatch dashboards')).toEqual({ item: 'CloudWatch dashboards', count: 1, monthly: 3 });
    expect(cost.total).toBeCloseTo(37.96 + 3.65 + 17.52 + 3.5 + 4 + 0.3 + 3, 1);
  });

  test('a rotated key costs $3 a month and a key without rotation $1, each on its own', () => {
    // AWS KMS pricing: $1/month per key, plus $1/month for each of its first two rotations.
    const keys = (n: number, rotation?: boolean) => idleMonthlyCost({
      Resources: Object.fromEntries(Array.from({ length: n }, (_, i) => [
        `Key${i}`, { Type: 'AWS::KMS::Key', ...(rotation === undefined ? {} : { Properties: { EnableKeyRotation: rotation } }) },
      ])),
    }).lines.find(l => l.item === 'KMS keys (rotated: from year 3)')!.monthly;
    expect(keys(1, true)).toBe(3);
    expect(keys(1, false)).toBe(1);
    expect(keys(2)).toBe(2);
    expect(keys(3, true)).toBe(9);
  });

  test('an interface endpoint whose subnets the template does not list is priced for one AZ', () => {
    // An interface endpoint is billed "per VPC endpoint per AZ" (https://aws.amazon.com/privatelink/pricing/), and it is
    // in one AZ at least: $0.012 x 730 h.
    const cost = idleMonthlyCost({ Resources: { Endpoint: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface' } } } });
    expect(cost.lines.find(l => l.item === 'Interface endpoints (per AZ)')).toEqual({ item: 'Interface endpoints (per AZ)', count: 1, monthly: 8.76 });
  });

  test('fails when an instance type has no price', () => {
    expect(() => idleMonthlyCost({ Resources: { I: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 'm7g.large' } } } }))
      .toThrow(/no price for instance type "m7g.large"/);
  });
});

describe('a fresh consumer app with default props', () => {
  const costs = profileCosts();
  const dev = costs.find(c => c.stack.endsWith('-dev') && c.profile.startsWith('dev'))!;
  const prod = costs.find(c => c.stack.endsWith('-prod') && c.profile.startsWith('prod'))!;

  test('dev idles at $5 a month or less', () => {
    expect(dev.cost.total).toBeLessThanOrEqual(5);
    expect(dev.cost.lines.find(l => l.item === 'NAT gateways')!.count).toBe(0);
    expect(dev.cost.lines.find(l => l.item === 'Public IPv4 addresses')!.count).toBe(0);
  });

  test('prod pays for a NAT gateway and an address in each of its two AZs', () => {
    expect(prod.cost.lines.find(l => l.item === 'NAT gateways')!.count).toBe(2);
    expect(prod.cost.lines.find(l => l.item === 'Public IPv4 addresses')!.count).toBe(2);
    expect(prod.cost.total).toBeGreaterThan(80);
  });

  // docs/networking-and-cost.md shows this table, written by `npx projen docs:tables` (test/docs-tables.test.ts).
  test('prints one table row per stack and profile', () => {
    const table = markdownTable(costs).split('\n');
    expect(table).toHaveLength(2 + costs.length);
    expect(table[2]).toContain(`**$${dev.cost.total.toFixed(2)}**`);
  });

  test('has one row per environment\'s default and per other network profile, each synthesized with that profile', () => {
    expect(costs.map(c => `${c.stack}: ${c.profile}`)).toEqual([
      'SandersCustomerPlatformStack-dev: dev, default props (`ON_DEMAND_EGRESS`)',
      'SandersCustomerPlatformStack-prod: prod, default props (`NAT_GATEWAY_PER_AZ`)',
      'SandersCustomerPlatformStack-dev: `SINGLE_NAT_GATEWAY`',
      'SandersCustomerPlatformStack-dev: `NAT_GATEWAY_PER_AZ`',
      'SandersCustomerPlatformStack-prod: `ON_DEMAND_EGRESS`',
    ]);
    // NAT gateways per row: on-demand egress keeps none while idle; one; one per AZ (two AZs).
    expect(costs.map(c => c.cost.lines.find(l => l.item === 'NAT gateways')!.count)).toEqual([0, 2, 1, 2, 0]);
  });
});

describe('the table and its note', () => {
  const line = (item: string, count: number, monthly: number) => ({ item, count, monthly });
  const costs: ProfileCost[] = [
    { stack: 'S-dev', profile: 'dev', cost: { lines: [line('NAT gateways', 0, 0), line('KMS keys', 2, 4)], total: 4 } },
    { stack: 'S-prod', profile: 'prod', cost: { lines: [line('NAT gateways', 2, 75.92), line('KMS keys', 1, 3)], total: 78.92 } },
  ];

  test('is a Markdown table: a header of the items, a rule, a row per stack with count ($) or 0, and the total in bold', () => {
    expect(markdownTable(costs)).toBe([
      '| Stack / profile | NAT gateways | KMS keys | Idle $/month |',
      '| --- | --- | --- | --- |',
      '| S-dev: dev | 0 | 2 ($4.00) | **$4.00** |',
      '| S-prod: prod | 2 ($75.92) | 1 ($3.00) | **$78.92** |',
    ].join('\n'));
  });

  test('names the region and every price it counts', () => {
    expect(priceNote()).toBe('List prices eu-central-1, 730 h/month: NAT gateway $0.052/h, public IPv4 $0.005/h, interface endpoint $0.012/h per AZ, '
      + 'KMS key $1/month + $1 for each of its first 2 rotations, alarm $0.1/metric-month, dashboard $3/month (counted although an account\'s first '
      + 'three are free). Usage (NAT hours during runs, Fargate, data) is not included.');
  });
});
