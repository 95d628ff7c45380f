import type { HolderStatusAnswer } from "./schemas.ts";
import type { HolderStatusView } from "./service.ts";

/** A cardholder's KYC state as the API answers it: `missingFields` only when there are some. */
export const presentHolderStatus = (view: HolderStatusView): HolderStatusAnswer => ({
  success: true,
  holderId: view.holderId,
  status: view.status,
  canIssueCard: view.canIssueCard,
  ...(view.missingFields?.length ? { missingFields: view.missingFields } : {}),
});
