/**
 * Holds the UQPay access token. A token is reused until `refreshSkewSeconds` (60 s, as uqpay-node)
 * before its `expired_at`; concurrent callers share one in-flight token request, so a burst of
 * calls after expiry costs one token call, not N (the token endpoint is limited to ~60/min).
 */

export interface AccessToken {
  token: string;
  /** Unix ms. */
  expiresAtMs: number;
}

export interface TokenCacheOptions {
  fetchToken: () => Promise<AccessToken>;
  refreshSkewSeconds?: number;
  now?: () => number;
}

export class TokenCache {
  private current: AccessToken | undefined;
  private inflight: Promise<AccessToken> | undefined;
  private readonly skewMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: TokenCacheOptions) {
    this.skewMs = (opts.refreshSkewSeconds ?? 60) * 1000;
    this.now = opts.now ?? Date.now;
  }

  async get(): Promise<string> {
    const cur = this.current;
    if (cur && this.now() < cur.expiresAtMs - this.skewMs) return cur.token;
    if (!this.inflight) {
      const p = this.opts.fetchToken().then(
        (t) => {
          this.current = t;
          return t;
        },
        (err: unknown) => {
          throw err;
        },
      );
      this.inflight = p;
      // Clear after settling either way so a failed fetch is retried by the next caller.
      p.finally(() => {
        if (this.inflight === p) this.inflight = undefined;
      }).catch(() => {});
    }
    try {
      return (await this.inflight).token;
    } catch (err) {
      // Refreshing early failed, but the old token has not actually expired yet: keep using it.
      const still = this.current;
      if (still && this.now() < still.expiresAtMs) return still.token;
      throw err;
    }
  }

  /**
   * Drops the token a request was refused with. Only that token: if another caller already
   * replaced it, the fresh one is kept (no refresh storm after a burst of 401s).
   */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }
}
