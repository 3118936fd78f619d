import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { pathWithoutNamespaces, settleLogicalIds } from './namespace';

/**
 * IAM's limit on a managed policy document (6,144 characters without whitespace), with headroom: the
 * estimate counts the template's `Ref`/`Fn::Join` forms, which are longer than the ARNs they become.
 */
const MAX_POLICY_CHARACTERS = 5_000;

/**
 * IAM's default quota of managed policies attached to one role.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export const MAX_MANAGED_POLICIES_PER_ROLE = 10;

/**
 * An IAM role whose granted permissions land in customer-managed policies (`Policy`, then `Policy2`, ...
 * under the role) instead of an inline `DefaultPolicy`.
 *
 * NIST 800-53, HIPAA and PCI DSS packs reject inline policies (`IAMNoInlinePolicy`): a managed policy is
 * versioned by IAM and can be reviewed on its own. Every `grant*()` of aws-cdk-lib goes through
 * `addToPrincipalPolicy`, so grants made by other constructs (Batch, Step Functions, flow logs) follow.
 * A policy that would outgrow IAM's size limit (a workflow with many job definitions) continues in a new one.
 */
export class ManagedPolicyRole extends iam.Role {
  private readonly grantPolicies: iam.ManagedPolicy[] = [];
  /** Each statement granted so far (as resolved JSON), with the policy that holds it. */
  private readonly granted = new Map<string, iam.ManagedPolicy>();
  private currentSize = 0;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
    const attached = () => this.grantPolicies.length + (props.managedPolicies?.length ?? 0);
    this.node.addValidation({
      validate: () => attached() <= MAX_MANAGED_POLICIES_PER_ROLE ? [] : [
        `role ${this.node.path} needs ${attached()} managed policies, more than the ${MAX_MANAGED_POLICIES_PER_ROLE} IAM attaches to a role by default: ` +
        'give fewer workflow jobs a job definition of their own (secrets or dataAccess), e.g. by sharing one dataAccess role per group of jobs',
      ],
    });
  }

  /** The statements granted to the role so far, across its managed policies, as CloudFormation JSON. */
  public get grantedStatements(): any[] {
    settleLogicalIds(this);
    return this.grantPolicies.flatMap(policy => Stack.of(this).resolve(policy.document.toJSON())?.Statement ?? []);
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    // Resolved with the logical IDs the statement's resources end with (see namespace.ts).
    settleLogicalIds(this);
    const json = JSON.stringify(Stack.of(this).resolve(statement.toStatementJson()));
    // Every job definition of a tier or job grants the execution role the same statements again: keep one.
    const holder = this.granted.get(json);
    if (holder) return { statementAdded: true, policyDependable: holder };
    const size = json.length;
    let policy = this.grantPolicies[this.grantPolicies.length - 1];
    if (!policy || this.currentSize + size > MAX_POLICY_CHARACTERS) {
      const n = this.grantPolicies.length + 1;
      policy = new iam.ManagedPolicy(this, n === 1 ? 'Policy' : `Policy${n}`, {
        description: `Permissions of ${pathWithoutNamespaces(this)}${n === 1 ? '' : ` (part ${n})`}`,
        roles: [this],
      });
      this.grantPolicies.push(policy);
      this.currentSize = 0;
    }
    policy.addStatements(statement);
    this.granted.set(json, policy);
    this.currentSize += size;
    return { statementAdded: true, policyDependable: policy };
  }
}
