/**
 * A deterministic clock for simulations: time only moves when `advance()` is called, to the next
 * scheduled event. Nothing here sleeps for real, so a simulated run of hours takes milliseconds and
 * measured times are exact.
 */
export class VirtualClock {
  private time = 0;
  private seq = 0;
  private readonly queue: Array<{ at: number; seq: number; fn: () => void }> = [];

  /** Seconds since the simulation started. */
  public get now(): number {
    return this.time;
  }

  /** Runs `fn` when the clock reaches `now + delaySeconds` (events at the same time run in scheduling order). */
  public schedule(delaySeconds: number, fn: () => void): void {
    if (!(delaySeconds >= 0)) throw new Error(`cannot schedule ${delaySeconds} s from now`);
    this.queue.push({ at: this.time + delaySeconds, seq: this.seq++, fn });
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** A promise that resolves once the clock has moved `delaySeconds` on (at once for 0). */
  public sleep(delaySeconds: number): Promise<void> {
    if (delaySeconds <= 0) return Promise.resolve();
    return new Promise(resolve => this.schedule(delaySeconds, resolve));
  }

  /** Whether any event is waiting. */
  public get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Moves to the next event time and runs every event due then. Returns false when nothing is scheduled. */
  public advance(): boolean {
    if (this.queue.length === 0) return false;
    this.time = this.queue[0].at;
    while (this.queue.length > 0 && this.queue[0].at === this.time) {
      this.queue.shift()!.fn();
    }
    return true;
  }
}
