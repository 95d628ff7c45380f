import { IssuerError } from "../issuer/port.ts";
import type { SimulatorAdmin } from "../issuer/uqpay/simulation.ts";

/**
 * Settlements and refunds for test mode, through the simulator's admin API (UQPay's sandbox has no
 * endpoint for them): `POST /__sim/transactions/:id/settle` and `/refund`, with the admin token of
 * whichever simulator serves test mode (the shared one's, published in the database, or
 * SIMULATOR_ADMIN_TOKEN for SIMULATOR_URL). Each answers the new transaction's id; the adapter
 * reads it back through the UQPay API, so it arrives in the same shape as every other.
 */
export function simulatorAdmin(
  admin: () => Promise<{ url: string; token: string }>,
  onUnreachable?: () => void,
): SimulatorAdmin {
  const act = async (issuerTransactionId: string, action: "settle" | "refund") => {
    const { url, token } = await admin();
    let response: Response;
    try {
      response = await fetch(
        `${url}/__sim/transactions/${encodeURIComponent(issuerTransactionId)}/${action}`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: "{}",
        },
      );
    } catch (cause) {
      onUnreachable?.();
      throw new IssuerError("unknown_outcome", `the simulator could not ${action}`, { cause });
    }
    const body = (await response.json().catch(() => ({}))) as {
      transaction_id?: unknown;
      code?: string;
      message?: string;
    };
    if (response.ok && typeof body.transaction_id === "string") return body.transaction_id;
    const detail = { httpStatus: response.status, issuerCode: body.code };
    const message = body.message ?? `the simulator refused to ${action}: HTTP ${response.status}`;
    if (response.status >= 400 && response.status < 500)
      throw new IssuerError(
        body.code?.endsWith("_not_found") ? "not_found" : "rejected",
        message,
        detail,
      );
    throw new IssuerError("unknown_outcome", message, detail);
  };
  return {
    settle: (id) => act(id, "settle"),
    refund: (id) => act(id, "refund"),
  };
}
