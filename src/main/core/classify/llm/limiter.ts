/**
 * At most `max` tasks at once, the rest waiting in arrival order (a local model server usually
 * has one slot; requests beyond it only queue inside the server while their timeouts run).
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most ever in flight at once (tests check the bound). */
  peak = 0;

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((go) => this.waiting.push(go));
    else this.running++;
    this.peak = Math.max(this.peak, this.running);
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next task: `running` stays the same.
      if (next) next();
      else this.running--;
    }
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
