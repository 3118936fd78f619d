/**
 * What a run does with its other jobs when one of its jobs fails.
 */
export enum OnJobFailure {
  /**
   * Terminate every job of the run that has not ended (running ones included), wait until they have ended,
   * and fail the run. The run ends minutes after the failure, and no compute is spent on jobs whose results the
   * failure makes moot. A resume of the failed run (`resumeFrom`) skips the jobs that succeeded in it and runs the
   * failed jobs and everything after them, including those this mode terminated.
   */
  STOP_ALL = 'STOP_ALL',
  /**
   * Let every job that does not depend on a failed job run to its end (those that do never start), then fail
   * the run. Worth it when jobs write results of their own that a re-run can skip.
   */
  FINISH_INDEPENDENT = 'FINISH_INDEPENDENT',
}
