/** What the simulated Batch needs to know of a synthesized platform's compute (its capacity), read from the template. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * The capacity of a synthesized platform, as the simulated Batch needs it: the compute environment's MaxvCpus
 * and each job's vCPUs, read from its job definition in the template (the definition's placeholders name them).
 */
export function capacityOf(stack: Stack): { maxVcpus: number; vcpuOf: (request: any) => number } {
  const template = Template.fromStack(stack);
  const environments = Object.values<any>(template.findResources('AWS::Batch::ComputeEnvironment'));
  const vcpus = new Map<string, number>();
  for (const [id, def] of Object.entries<any>(template.findResources('AWS::Batch::JobDefinition'))) {
    const vcpu = (def.Properties.ContainerProperties.ResourceRequirements ?? []).find((r: any) => r.Type === 'VCPU');
    vcpus.set(`\${${id}}`, Number(vcpu.Value));
  }
  return {
    // Spot and on-demand environments of one queue each have the same MaxvCpus; the queue uses one at a time here.
    maxVcpus: Math.max(...environments.map(e => e.Properties.ComputeResources.MaxvCpus)),
    vcpuOf: request => {
      const vcpu = vcpus.get(request.JobDefinition);
      if (vcpu === undefined) throw new Error(`no job definition ${request.JobDefinition} in the template`);
      return vcpu;
    },
  };
}
