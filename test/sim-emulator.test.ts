/** The emulator the simulations run in computes States.Hash as Step Functions does (see scripts/lib/sim/local-stepfunctions.ts). */
import * as crypto from 'crypto';
import { StateMachine } from '../scripts/lib/sim/local-stepfunctions';

const hashOf = async (text: string, algorithm: string): Promise<string> => {
  const machine = new StateMachine({ StartAt: 'Hash', States: { Hash: { Type: 'Pass', Parameters: { 'h.$': `States.Hash($.text, '${algorithm}')` }, End: true } } });
  return (await machine.run({ text }).result).h;
};

describe('States.Hash in the simulations', () => {
  const arn = (date: string) => `arn:aws:states:eu-central-1:123456789012:execution:sanders-customer-platform-workflow-prod:backfill-${date}-801d8edc24dcf57e40c76dc96743e26a`;

  test.each([
    ['MD5', 'md5'], ['SHA-1', 'sha1'], ['SHA-256', 'sha256'],
  ])('%s agrees with node\'s crypto for short and long inputs', async (algorithm, nodeName) => {
    for (const text of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'é'.repeat(70), arn('2024-02-28'), 'y'.repeat(1000)]) {
      expect(await hashOf(text, algorithm)).toBe(crypto.createHash(nodeName).update(text, 'utf8').digest('hex'));
    }
  });

  test('two execution ARNs that differ only in the date get different run tags', async () => {
    expect(await hashOf(arn('2024-02-28'), 'MD5')).not.toBe(await hashOf(arn('2024-03-01'), 'MD5'));
  });
});
