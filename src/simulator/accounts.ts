/**
 * Sub-accounts (`x-on-behalf-of`). Each account — the master and every Issuing sub-account — has
 * its own SimState: cardholders, cards, orders, balances and card transactions, so email/phone
 * uniqueness and every lookup are per account as upstream. The account a request (or a scheduled
 * job) acts for is carried in an AsyncLocalStorage scope, so every route reads `ctx.state` and gets
 * its own account's data without passing the account around. Scheduled jobs and idempotency
 * records live in the master state (they carry the account); webhooks are master-level (the fact
 * sheet: the configuration is shared).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { SimState } from "./state.ts";

interface Scope {
  account: string | undefined;
}

export class Accounts {
  private readonly als = new AsyncLocalStorage<Scope>();
  readonly subs = new Map<string, SimState>();

  constructor(readonly master: SimState) {}

  /** The state of the account the current request or job acts for (master outside any scope). */
  current(): SimState {
    const id = this.currentId();
    if (id === undefined) return this.master;
    const sub = this.subs.get(id);
    // Never fall back to the master: that would mix one account's data into another's.
    if (!sub) throw new Error(`sub-account ${id} vanished`);
    return sub;
  }

  currentId(): string | undefined {
    return this.als.getStore()?.account;
  }

  /** Opens a request scope (master) that `select` can later narrow to a sub-account. */
  enter(next: () => void): void {
    this.als.run({ account: undefined }, next);
  }

  /** Switches the current request's scope to `id` (undefined: master). */
  select(id: string | undefined): void {
    const scope = this.als.getStore();
    if (!scope) throw new Error("no account scope: Accounts.enter was not called");
    scope.account = id;
  }

  run<T>(id: string | undefined, fn: () => T): T {
    return this.als.run({ account: id }, fn);
  }

  create(id: string): SimState {
    const state = new SimState();
    state.accountId = id;
    this.subs.set(id, state);
    return state;
  }

  all(): SimState[] {
    return [this.master, ...this.subs.values()];
  }

  /** The account whose data holds `id` (a cardholder, card or card transaction), for admin calls. */
  ownerOf(id: string): string | undefined {
    for (const [accountId, s] of this.subs)
      if (s.cardholders.has(id) || s.cards.has(id) || s.cardTxs.has(id)) return accountId;
    return undefined;
  }
}
