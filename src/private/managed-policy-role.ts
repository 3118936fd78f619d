import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * An IAM role whose granted permissions land in one customer-managed policy (`Policy` under the role)
 * instead of an inline `DefaultPolicy`.
 *
 * NIST 800-53, HIPAA and PCI DSS packs reject inline policies (`IAMNoInlinePolicy`): a managed policy is
 * versioned by IAM and can be reviewed on its own. Every `grant*()` of aws-cdk-lib goes through
 * `addToPrincipalPolicy`, so grants made by other constructs (Batch, Step Functions, flow logs) follow.
 */
export class ManagedPolicyRole extends iam.Role {
  private managedPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
  }

  /** The statements granted to the role so far. */
  public get policyDocument(): iam.PolicyDocument {
    return this.managedPolicy?.document ?? new iam.PolicyDocument();
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.managedPolicy) {
      this.managedPolicy = new iam.ManagedPolicy(this, 'Policy', {
        description: `Permissions of ${this.node.path}`,
        roles: [this],
      });
    }
    this.managedPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.managedPolicy };
  }
}
