// The payment's rules as pure functions (docs/order-saga.md, "payments"): what a payment knows
// after an event (`learn`) and what is due next (`nextStep`). Facts are only ever added and the
// outcome only moves forward, so the same events in any order and any number of times lead to
// the same payment.
import type { Outcome, PaymentRow } from "../../db/schema.js";
import type { Amount } from "../../provider/provider.js";

/** What one event says about an order's payment. */
export interface Facts {
  customerId?: string;
  amount?: Amount;
  paymentToken?: string;
  reservationExpiresAt?: Date;
  outcome?: Exclude<Outcome, "none">;
}

export type PaymentState = Pick<
  PaymentRow,
  | "customerId"
  | "amountMinor"
  | "currency"
  | "paymentToken"
  | "reservationExpiresAt"
  | "outcome"
  | "status"
  | "declineReason"
  | "authorizationId"
  | "capturedMinor"
  | "refundedMinor"
>;

// A cancellation after confirmation (refund_requested) overrides the confirmation, whichever
// arrives first; the orders state machine never produces two outcomes of the same rank.
const rank: Record<Outcome, number> = {
  none: 0,
  confirmed: 1,
  rejected: 1,
  cancelled: 1,
  refund_requested: 2,
};

/** The payment after learning `facts`: the first value of each fact stays. */
export function learn<State extends PaymentState>(state: State, facts: Facts): State {
  const knowsOrder = state.customerId !== null;
  return {
    ...state,
    customerId: knowsOrder ? state.customerId : (facts.customerId ?? null),
    amountMinor: knowsOrder ? state.amountMinor : (facts.amount?.amountMinor ?? null),
    currency: knowsOrder ? state.currency : (facts.amount?.currency ?? null),
    paymentToken: state.paymentToken ?? facts.paymentToken ?? null,
    reservationExpiresAt: state.reservationExpiresAt ?? facts.reservationExpiresAt ?? null,
    outcome:
      facts.outcome && rank[facts.outcome] > rank[state.outcome] ? facts.outcome : state.outcome,
  };
}

export type Step = "authorize" | "capture" | "void" | "refund" | "capture-and-refund" | "cancel";

/**
 * What to do next, if anything. Each step moves the status on, so applying steps until none is
 * due ends (at most two: an authorization is only asked for while no outcome is known).
 */
export function nextStep(state: PaymentState): Step | undefined {
  switch (state.status) {
    case "pending":
      if (state.outcome === "none") return readyToAuthorize(state) ? "authorize" : undefined;
      // The order ended before an authorization was asked for: none ever will be. A confirmation
      // (or a refund request) without our authorization cannot happen; nothing is due then.
      return state.outcome === "rejected" || state.outcome === "cancelled" ? "cancel" : undefined;
    case "authorized":
      switch (state.outcome) {
        case "none":
          return undefined;
        case "confirmed":
          return "capture";
        case "rejected":
        case "cancelled":
          return "void";
        case "refund_requested":
          // Cancelled after confirmation, the confirmation not yet here: it will change nothing.
          return "capture-and-refund";
      }
      return undefined;
    case "captured":
      return state.outcome === "refund_requested" ? "refund" : undefined;
    default:
      // declined, voided, refunded, cancelled: final.
      return undefined;
  }
}

function readyToAuthorize(state: PaymentState): boolean {
  return (
    state.customerId !== null &&
    state.amountMinor !== null &&
    state.paymentToken !== null &&
    state.reservationExpiresAt !== null
  );
}
