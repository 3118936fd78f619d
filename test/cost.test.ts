import { idleMonthlyCost, markdownTable, PRICES, profileCosts } from '../scripts/idle-cost';

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
    expect(cost.total).toBeCloseTo(37.96 + 3.65 + 17.52 + 3.5 + 4 + 0.3 + 3, 1);
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
});
