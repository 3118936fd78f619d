/**
 * How the platform's VPC reaches the internet (the job image registry, CloudWatch Logs, the Batch agent's
 * endpoints) and what that costs while nothing runs.
 *
 * Every profile puts the jobs in private subnets and adds free S3 and DynamoDB gateway endpoints, so
 * data and most of an image pull never cross a NAT gateway.
 */
export enum NetworkProfile {
  /**
   * No egress while idle: each run creates a NAT gateway and an Elastic IP in one AZ, routes both private
   * subnets through it, runs the jobs and always removes them again.
   *
   * Idles at $0 for the network. A run waits about 2-3 minutes for the NAT gateway, pays at least one
   * NAT gateway hour, and runs start one at a time (a run that starts while another is running waits
   * for it). For development environments.
   */
  ON_DEMAND_EGRESS = 'ON_DEMAND_EGRESS',

  /**
   * One NAT gateway (and its public IPv4 address) in the first AZ for both private subnets.
   *
   * About $41.60 a month idle in eu-central-1; jobs in the second AZ lose egress when the first AZ fails.
   */
  SINGLE_NAT_GATEWAY = 'SINGLE_NAT_GATEWAY',

  /**
   * A NAT gateway (and its public IPv4 address) in each AZ: egress survives the loss of an AZ.
   *
   * About $83.20 a month idle in eu-central-1 with two AZs. For production.
   */
  NAT_GATEWAY_PER_AZ = 'NAT_GATEWAY_PER_AZ',
}
