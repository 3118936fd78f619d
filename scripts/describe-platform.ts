/**
 * Prints what a synthesized platform template creates: resources with their names, the workflow's jobs
 * and the stack outputs. Usage: ts-node scripts/describe-platform.ts <template.json>
 */
import * as fs from 'fs';
import * as path from 'path';
import { allStates, definitionOf, stateMachines, submittedJobName } from './lib/templates';

const file = process.argv[2];
if (!file) throw new Error('usage: describe-platform.ts <template.json>');
const template = JSON.parse(fs.readFileSync(file, 'utf8'));
const resources: Array<[string, any]> = Object.entries(template.Resources ?? {});

const NAME_PROPS = ['BucketName', 'TableName', 'RepositoryName', 'JobQueueName', 'ComputeEnvironmentName', 'JobDefinitionName',
  'StateMachineName', 'LogGroupName', 'RoleName', 'TopicName', 'DashboardName', 'AlarmName', 'Name'];
const nameOf = (r: any): string => {
  for (const p of NAME_PROPS) if (typeof r.Properties?.[p] === 'string') return r.Properties[p];
  const tag = (r.Properties?.Tags ?? []).find?.((t: any) => t.Key === 'Name');
  return typeof tag?.Value === 'string' ? tag.Value : '';
};

console.log(`\n## ${path.basename(file, '.template.json')}: ${resources.length} resources\n`);
console.log('| resource type | count | names | deletion policy |');
console.log('|---|---|---|---|');
const byType = new Map<string, Array<[string, any]>>();
for (const [id, r] of resources) byType.set(r.Type, [...(byType.get(r.Type) ?? []), [id, r]]);
for (const [type, rs] of [...byType.entries()].sort()) {
  const names = rs.map(([, r]) => nameOf(r)).filter(n => n !== '');
  const policies = [...new Set(rs.map(([, r]) => r.DeletionPolicy ?? 'Delete'))];
  console.log(`| ${type} | ${rs.length} | ${names.join(', ')} | ${policies.join(', ')} |`);
}

const [sm] = stateMachines(template);
if (sm) {
  const jobs = allStates(definitionOf(sm[1])).filter(([, st]) => submittedJobName(st) !== undefined);
  if (jobs.length > 0) {
    console.log('\nWorkflow jobs (each starts when the jobs it depends on have succeeded):\n');
    const nameByKey = new Map(jobs.map(([, st]) => [submittedJobName(st)!.replace(/-/g, '_'), submittedJobName(st)]));
    for (const [name, st] of jobs) {
      const deps = (st.Parameters.DependsOn ?? []).map((d: any) => nameByKey.get(String(d['JobId.$']).split('.')[2]));
      // definitionOf writes a Ref as `${LogicalId}`.
      const jobDefinition = template.Resources[String(st.Parameters.JobDefinition).replace(/^\$\{(.*)\}$/, '$1')];
      const req = jobDefinition?.Properties?.ContainerProperties?.ResourceRequirements ?? [];
      const size = (type: string) => req.find((r: any) => r.Type === type)?.Value;
      const on = jobDefinition ? ` on ${jobDefinition.Properties.JobDefinitionName} (${size('MEMORY')} MiB, ${size('VCPU')} vCPU)` : '';
      console.log(`- ${submittedJobName(st)}${on}, ${name.startsWith('Run') ? 'awaited with .sync' : 'submitted'}${deps.length ? `, after ${deps.join(', ')}` : ''}`);
    }
  }
}

console.log('\nOutputs:');
for (const [key, o] of Object.entries<any>(template.Outputs ?? {})) {
  const refs = [...JSON.stringify(o.Value).matchAll(/"(?:Ref|Fn::GetAtt)":(?:"|\[")([A-Za-z0-9]+)/g)].map(m => m[1]);
  const names = [...new Set(refs.map(id => nameOf(template.Resources[id] ?? {})).filter(n => n !== ''))];
  console.log(`- ${key}: ${o.Description ?? ''}${names.length ? ` (${names.join(', ')})` : refs.length ? ` (${refs.join(', ')})` : ''}`);
}
