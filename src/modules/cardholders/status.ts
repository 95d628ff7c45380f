import type { HolderStatus } from "../../db/schema.ts";
import type { IssuerKycStatus } from "../../issuer/port.ts";

/** The contract's mapping: PENDING, INCOMPLETE → IN_REVIEW; SUCCESS → ACTIVE; FAILED → REJECTED. */
export function holderStatusFromIssuer(status: IssuerKycStatus): HolderStatus {
  switch (status) {
    case "SUCCESS":
      return "ACTIVE";
    case "FAILED":
      return "REJECTED";
    default:
      return "IN_REVIEW";
  }
}

/** Final statuses never change again; IN_REVIEW may move to either. A status never moves backwards. */
export const isFinalHolderStatus = (status: HolderStatus) => status !== "IN_REVIEW";
