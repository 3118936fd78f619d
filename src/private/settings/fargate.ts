/**
 * The vCPU and memory combinations that AWS Batch accepts for Fargate jobs.
 *
 * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html
 */
interface MemoryRange {
  readonly vcpu: number;
  readonly minMiB: number;
  readonly maxMiB: number;
  readonly stepMiB: number;
  /** Exact values, where the range is not a regular step. */
  readonly values?: number[];
}

const FARGATE_RANGES: MemoryRange[] = [
  { vcpu: 0.25, minMiB: 512, maxMiB: 2048, stepMiB: 0, values: [512, 1024, 2048] },
  { vcpu: 0.5, minMiB: 1024, maxMiB: 4096, stepMiB: 1024 },
  { vcpu: 1, minMiB: 2048, maxMiB: 8192, stepMiB: 1024 },
  { vcpu: 2, minMiB: 4096, maxMiB: 16384, stepMiB: 1024 },
  { vcpu: 4, minMiB: 8192, maxMiB: 30720, stepMiB: 1024 },
  { vcpu: 8, minMiB: 16384, maxMiB: 61440, stepMiB: 4096 },
  { vcpu: 16, minMiB: 32768, maxMiB: 122880, stepMiB: 8192 },
  // 32 vCPU: 64-240 GiB in steps of 8 GiB, and the values AWS Batch's API reference lists for it (ResourceRequirement,
  // botocore 1.44: 61440, 122880 and 249856 MiB).
  { vcpu: 32, minMiB: 61440, maxMiB: 249856, stepMiB: 0, values: [61440, ...Array.from({ length: 23 }, (_, i) => 65536 + 8192 * i), 249856] },
];

/** vCPU values Fargate accepts. */
export const FARGATE_VCPUS = FARGATE_RANGES.map(r => r.vcpu);

/** Memory values (MiB) that Fargate accepts for the given vCPU count, or undefined for an unknown vCPU. */
export function fargateMemoryValuesMiB(vcpu: number): number[] | undefined {
  const range = FARGATE_RANGES.find(r => r.vcpu === vcpu);
  if (!range) return undefined;
  if (range.values) return [...range.values];
  const out: number[] = [];
  for (let m = range.minMiB; m <= range.maxMiB; m += range.stepMiB) out.push(m);
  return out;
}

/** The vCPU counts with which Fargate accepts the given memory (MiB). */
export function fargateVcpusForMemory(memoryMiB: number): number[] {
  return FARGATE_VCPUS.filter(v => fargateMemoryValuesMiB(v)!.includes(memoryMiB));
}

/** Describes the valid memory values for a vCPU count, for error messages. */
export function describeFargateMemory(vcpu: number): string {
  const range = FARGATE_RANGES.find(r => r.vcpu === vcpu);
  if (!range) return '';
  if (range.vcpu === 32) return '61440, 65536-245760 in steps of 8192, or 249856 MiB';
  if (range.values) return range.values.join(', ') + ' MiB';
  return `${range.minMiB}-${range.maxMiB} MiB in steps of ${range.stepMiB} MiB`;
}
