/**
 * The simulated EC2 of the on-demand egress (NAT gateway, address, routes), on the simulated clock.
 */
import { VirtualClock } from './virtual-clock';

type Handler = (input: any) => Promise<any>;

/**
 * EC2 as the on-demand egress uses it. A NAT gateway is `pending`, then `available` ("State: pending | failed |
 * available | deleting | deleted", API reference, NatGateway); `DeleteNatGateway` makes it `deleting`, then `deleted`,
 * which disassociates its address ("Deleting a NAT gateway disassociates its Elastic IP address, but does not release
 * the address", API reference, DeleteNatGateway); an address still associated cannot be released
 * (`InvalidIPAddress.InUse`, EC2 error codes); `CreateNatGateway` with a `ClientToken` already used returns the same
 * gateway ("Ensuring idempotency", EC2 API reference); `CreateRoute` fails `RouteAlreadyExists` and `DeleteRoute`
 * `InvalidRoute.NotFound` (EC2 error codes).
 */
export class SimulatedEc2 {
  public readonly gateways = new Map<string, { state: string; allocationId: string; token?: string }>();
  public readonly addresses = new Map<string, { associated?: string }>();
  public readonly routes = new Map<string, string>();
  public calls = 0;
  private next = 1;

  constructor(private readonly clock: VirtualClock, private readonly pendingSeconds = 90, private readonly deletingSeconds = 60) {}

  public handlers(): { [resource: string]: Handler } {
    const fail = (name: string) => { throw Object.assign(new Error(name), { name: `Ec2.${name}Exception` }); };
    const gateway = (id: string, g: { state: string }) => ({ NatGatewayId: id, State: g.state });
    const h: { [action: string]: (i: any) => any } = {
      allocateAddress: () => {
        const id = `eipalloc-${this.next++}`;
        this.addresses.set(id, {});
        return { AllocationId: id };
      },
      createNatGateway: i => {
        const same = [...this.gateways].find(([, g]) => g.token !== undefined && g.token === i.ClientToken);
        if (same) return { NatGateway: gateway(...same) };
        const id = `nat-${this.next++}`;
        const g = { state: 'pending', allocationId: i.AllocationId, token: i.ClientToken };
        this.gateways.set(id, g);
        this.addresses.get(i.AllocationId)!.associated = id;
        this.clock.schedule(this.pendingSeconds, () => { if (g.state === 'pending') g.state = 'available'; });
        return { NatGateway: gateway(id, g) };
      },
      describeNatGateways: i => {
        const states: string[] | undefined = (i.Filter ?? []).find((f: any) => f.Name === 'state')?.Values;
        return {
          NatGateways: [...this.gateways]
            .filter(([id, g]) => (!i.NatGatewayIds || i.NatGatewayIds.includes(id)) && (!states || states.includes(g.state)))
            .map(([id, g]) => gateway(id, g)),
        };
      },
      deleteNatGateway: i => {
        const g = this.gateways.get(i.NatGatewayId)!;
        g.state = 'deleting';
        this.clock.schedule(this.deletingSeconds, () => {
          g.state = 'deleted';
          delete this.addresses.get(g.allocationId)!.associated;
        });
        return { NatGatewayId: i.NatGatewayId };
      },
      describeAddresses: () => ({ Addresses: [...this.addresses.keys()].map(id => ({ AllocationId: id })) }),
      releaseAddress: i => {
        if (this.addresses.get(i.AllocationId)?.associated) fail('InvalidIPAddress.InUse');
        this.addresses.delete(i.AllocationId);
        return {};
      },
      createRoute: i => {
        if (this.routes.has(i.RouteTableId)) fail('RouteAlreadyExists');
        this.routes.set(i.RouteTableId, i.NatGatewayId);
        return {};
      },
      replaceRoute: i => { this.routes.set(i.RouteTableId, i.NatGatewayId); return {}; },
      deleteRoute: i => {
        if (!this.routes.delete(i.RouteTableId)) fail('InvalidRoute.NotFound');
        return {};
      },
    };
    return Object.fromEntries(Object.entries(h).map(([action, f]) => [`arn:aws:states:::aws-sdk:ec2:${action}`, async (i: any) => {
      this.calls++;
      return f(i);
    }]));
  }

  /** What is left: gateways not deleted, addresses, routes. */
  public leftovers(): string[] {
    return [
      ...[...this.gateways].filter(([, g]) => g.state !== 'deleted').map(([id, g]) => `NAT gateway ${id} ${g.state}`),
      ...[...this.addresses.keys()].map(id => `address ${id}`),
      ...[...this.routes].map(([table, nat]) => `route in ${table} to ${nat}`),
    ];
  }
}
