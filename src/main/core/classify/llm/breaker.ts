/**
 * Circuit breaker for the model endpoint, so a dead or hopeless server does not cost a timeout
 * per message of a 5,000-message backlog: after `threshold` endpoint failures in a row the
 * model is skipped for a cooldown (messages are left as they are, with the reason), then one
 * request is let through to see whether the server is back; a success closes the circuit, a
 * failure opens it again for twice as long, up to `maxCooldownMs`.
 */
import type { Clock } from '../../ports.js';

export interface BreakerOptions {
  /**
   * Endpoint failures in a row that open the circuit. 3: one failure is a blip (and has been
   * retried once already), three in a row with a message each is a server that is not there.
   */
  threshold: number;
  /**
   * First cooldown. 30 s: about what llama.cpp or Ollama take to load a model after a restart,
   * so a restarted server is found again within half a minute.
   */
  cooldownMs: number;
  /**
   * Longest cooldown. 5 min: one probe request per 5 minutes costs nothing even while the server
   * is down for the day, and a server that returns is used again within 5 minutes.
   */
  maxCooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  threshold: 3,
  cooldownMs: 30_000,
  maxCooldownMs: 5 * 60_000,
};

export type BreakerVerdict =
  { go: true; trial: boolean } | { go: false; reason: string; retryAt: number };

export class Breaker {
  private failures = 0;
  private openUntil = 0;
  private cooldown: number;
  private trialInFlight = false;
  private lastReason = '';

  constructor(
    private readonly clock: Clock,
    private readonly o: BreakerOptions = DEFAULT_BREAKER,
  ) {
    this.cooldown = o.cooldownMs;
  }

  get open(): boolean {
    return this.failures >= this.o.threshold;
  }

  /** May a request go now? While open, only one trial after the cooldown, and one at a time. */
  check(): BreakerVerdict {
    if (!this.open) return { go: true, trial: false };
    const now = this.clock.now();
    if (now >= this.openUntil && !this.trialInFlight) {
      this.trialInFlight = true;
      return { go: true, trial: true };
    }
    return { go: false, reason: this.lastReason, retryAt: Math.max(this.openUntil, now) };
  }

  success(): void {
    this.failures = 0;
    this.cooldown = this.o.cooldownMs;
    this.trialInFlight = false;
  }

  /**
   * An endpoint failure. Returns the cooldown when this one opened (or re-opened) the circuit,
   * else undefined.
   */
  failure(reason: string): number | undefined {
    this.lastReason = reason;
    const wasTrial = this.trialInFlight;
    this.trialInFlight = false;
    this.failures++;
    if (wasTrial) {
      this.cooldown = Math.min(this.cooldown * 2, this.o.maxCooldownMs);
      this.openUntil = this.clock.now() + this.cooldown;
      return this.cooldown;
    }
    if (this.failures === this.o.threshold) {
      this.openUntil = this.clock.now() + this.cooldown;
      return this.cooldown;
    }
    return undefined;
  }

  /** A trial that ended without an answer either way (we stopped): the next request may try. */
  cancelTrial(): void {
    this.trialInFlight = false;
  }

  /**
   * The server answered but the model got it wrong (bad JSON, cut, unknown category): the
   * endpoint is there, so for the breaker this ends a run of failures like a success does.
   */
  neutral(): void {
    this.success();
  }
}
