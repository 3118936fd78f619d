/**
 * Compute checks: where and on what the jobs run. `maxvCpus`, each memory tier against the vCPU and memory
 * combinations Fargate offers, Fargate Spot against ARM64 tiers, and the network (profile or the team's VPC).
 */
import { Token } from 'aws-cdk-lib';
import { describeFargateMemory, FARGATE_VCPUS, fargateMemoryValuesMiB, fargateVcpusForMemory } from './fargate';
import { Problems, PropsCheck, requireLiteral } from './problems';
import { MemoryTier } from '../../memory-tier';
import { NetworkProfile } from '../../network-profile';

const TIER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** `maxvCpus` and every memory tier. */
export const checkCapacity: PropsCheck = (problems, _props, v) => {
  const maxvCpus = v.maxvCpus;
  if (requireLiteral(problems, 'maxvCpus', maxvCpus) && (!Number.isInteger(maxvCpus) || maxvCpus < 1 || maxvCpus > 10000)) {
    problems.add(`maxvCpus ${maxvCpus} is not valid: give a whole number from 1 to 10000 (the most vCPUs the platform runs at once)`);
  }
  validateTiers(problems, v.tiers);
};

/** A tier whose jobs need more vCPUs than the platform may run at once would never start. */
export const checkTiersFitMaxvCpus: PropsCheck = (problems, _props, { tiers, maxvCpus }) => {
  for (const tier of tiers) {
    if (tier.vcpu > maxvCpus) {
      problems.add(`memory tier '${tier.name}' needs ${tier.vcpu} vCPUs but maxvCpus is ${maxvCpus}: raise maxvCpus`);
    }
  }
};

/** Fargate Spot runs only X86_64 tasks: an ARM64 job in a Spot-first queue would never be placed on Spot. */
export const checkSpot: PropsCheck = (problems, props, { tiers }) => {
  const armTiers = tiers.filter(t => t.cpuArchitecture?._cpuArchitecture === 'ARM64').map(t => t.name);
  if (props.useSpot === true && armTiers.length > 0) {
    problems.add(`useSpot is true but memory tier(s) ${armTiers.map(t => `'${t}'`).join(', ')} run on ARM64, which Fargate Spot does not support: set useSpot to false or use X86_64 for those tiers`);
  }
};

/** The network profile, or the team's own VPC with the subnets the jobs need. */
export const checkNetwork: PropsCheck = (problems, props) => {
  if (props.networkProfile !== undefined && !Object.values(NetworkProfile).includes(props.networkProfile)) {
    problems.add(`networkProfile '${props.networkProfile}' is not a network profile: use one of ${Object.values(NetworkProfile).join(', ')}`);
  }
  if (props.vpc !== undefined && props.networkProfile !== undefined) {
    problems.add(`networkProfile ${props.networkProfile} and vpc are both given: a network profile shapes only the VPC the platform creates; leave out networkProfile when you bring your own VPC`);
  }
  if (props.vpc !== undefined && props.vpc.privateSubnets.length === 0) {
    problems.add(`vpc ${Token.isUnresolved(props.vpc.vpcId) ? '(imported)' : props.vpc.vpcId} has no private subnets with egress: the jobs run in PRIVATE_WITH_EGRESS subnets that reach ECR, CloudWatch Logs and Batch through a NAT gateway or interface endpoints; import the VPC with its privateSubnetIds`);
  }
};

/** Validates the tiers and returns them by name. */
export function validateTiers(problems: Problems, tiers: MemoryTier[]): Map<string, MemoryTier> {
  const byName = new Map<string, MemoryTier>();
  if (tiers.length === 0) {
    problems.add('memoryTiers is empty: give at least one tier, e.g. { name: \'2gb\', memory: Size.gibibytes(2), vcpu: 1 }');
  }
  for (const tier of tiers) {
    const label = `memory tier '${tier.name}'`;
    if (!requireLiteral(problems, 'a memory tier name', tier.name) || !requireLiteral(problems, `${label} vcpu`, tier.vcpu)) continue;
    if (!TIER_NAME.test(tier.name)) {
      problems.add(`memory tier name '${tier.name}' is not valid: use 1-32 lowercase letters, digits and hyphens, starting with a letter or digit, e.g. '8gb'`);
    }
    if (byName.has(tier.name)) {
      problems.add(`memory tier '${tier.name}' is defined twice: tier names must be unique`);
    }
    byName.set(tier.name, tier);
    if (tier.memory.isUnresolved()) {
      problems.add(`${label} memory is an unresolved token; give a literal Size such as Size.gibibytes(8)`);
      continue;
    }
    const memoryMiB = tier.memory.toMebibytes({ rounding: 2 /* SizeRoundingBehavior.NONE */ });
    const allowed = fargateMemoryValuesMiB(tier.vcpu);
    if (!allowed) {
      problems.add(`${label} has vcpu ${tier.vcpu}, which Fargate does not offer: use one of ${FARGATE_VCPUS.join(', ')}`);
    } else if (!allowed.includes(memoryMiB)) {
      const fits = fargateVcpusForMemory(memoryMiB);
      const hint = fits.length > 0 ? `; ${memoryMiB} MiB fits vcpu ${fits.join(' or ')}` : '';
      problems.add(`${label} has ${memoryMiB} MiB of memory with vcpu ${tier.vcpu}, which Fargate rejects: with ${tier.vcpu} vCPU use ${describeFargateMemory(tier.vcpu)}${hint}`);
    }
    if (tier.ephemeralStorage?.isUnresolved()) {
      problems.add(`${label} ephemeralStorage is an unresolved token; give a literal Size such as Size.gibibytes(50)`);
    } else if (tier.ephemeralStorage) {
      const gib = tier.ephemeralStorage.toMebibytes({ rounding: 2 }) / 1024;
      if (!Number.isInteger(gib) || gib < 21 || gib > 200) {
        problems.add(`${label} has ${gib} GiB of ephemeral storage: Fargate allows a whole number of GiB from 21 to 200, e.g. Size.gibibytes(50)`);
      }
    }
  }
  return byName;
}
