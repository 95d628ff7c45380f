/**
 * One masked form for every card number the issuer hands us (its card API sends
 * `************8664`, its webhooks `40963608****8664`): every digit but the last four becomes `*`,
 * so a tenant sees the same string whichever way the number arrived, and a full PAN sent by
 * mistake is masked rather than stored.
 */
export function maskPan(value: string): string {
  return value.replace(/\d(?=[\d*]{4})/g, "*");
}
