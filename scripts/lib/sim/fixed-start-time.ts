/**
 * aws-local-stepfunctions stamps `$$.Execution.StartTime` with `new Date()` when `StateMachine.run` is called,
 * whatever context it is given, so a test that reads the run's start date would depend on the day it runs.
 * This starts a run with the clock pinned to `startTime` for that synchronous call only: the interpreter builds
 * the execution context before its first await, and everything after that sees the real clock again.
 */
export function startAt<T>(startTime: string | Date, start: () => T): T {
  const pinned = new Date(startTime).getTime();
  if (Number.isNaN(pinned)) throw new Error(`startAt: '${startTime}' is not a time`);
  const RealDate = Date;
  class PinnedDate extends RealDate {
    static now(): number {
      return pinned;
    }

    constructor(...args: any[]) {
      if (args.length === 0) super(pinned);
      else super(...(args as [any]));
    }
  }
  (globalThis as any).Date = PinnedDate;
  try {
    return start();
  } finally {
    (globalThis as any).Date = RealDate;
  }
}
