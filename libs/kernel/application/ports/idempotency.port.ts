export const IDEMPOTENCY_STORE = Symbol('IdempotencyStore');

export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type BeginResult =
  /** `claim` identifies this claim: completing or releasing it only acts while it is still ours. */
  | { readonly outcome: 'started'; readonly claim: string }
  | { readonly outcome: 'in_progress' }
  | { readonly outcome: 'mismatch' }
  | { readonly outcome: 'replay'; readonly response: StoredResponse };

/** Idempotency keys per user, kept for `ttlMs` (24 h). */
export interface IdempotencyStore {
  /**
   * Claims the key for this request, or says why not. A claim neither started nor renewed for
   * `staleMs` belonged to a request that died, and is taken over.
   */
  begin(userId: string, key: string, fingerprint: string, now: Date): Promise<BeginResult>;
  /** Keeps our in-progress claim alive (its request runs on); a no-op once it is not ours. */
  renew(userId: string, key: string, claim: string, now: Date): Promise<void>;
  complete(userId: string, key: string, response: StoredResponse, now: Date, claim?: string): Promise<void>;
  /** Forgets a claim whose request failed on our side, so a retry can run. */
  release(userId: string, key: string, claim?: string): Promise<void>;
  purgeExpired(now: Date): Promise<number>;
}
