// The order's state machine (docs/order-saga.md, "orders"): which step moves an order in which
// status, and what it announces. Pure: the slices read and lock the order, ask `decide`, and
// write what it answers (transition.ts).
import type { Reason, Status } from "./db/schema.js";
import type { Outcome } from "./events.js";

export interface MachineState {
  status: Status;
  /** In REFUND_PENDING: PaymentRefunded has arrived. */
  refunded: boolean;
  /** In REFUND_PENDING: StockReturned has arrived. */
  restocked: boolean;
  /** From StockReserved: until when catalog holds the stock. */
  reservationExpiresAt: Date | null;
}

export interface ShortLine {
  productId: string;
  requested: number;
  available: number;
}

/** What can happen to an order: the saga's events and the customer's cancel. */
export type Step =
  | { kind: "stock-reserved"; expireTime: Date | undefined }
  | { kind: "stock-rejected"; shortLines: ShortLine[] }
  | { kind: "payment-authorized"; reservationExpireTime: Date | undefined }
  | { kind: "payment-declined"; reason: Reason }
  | { kind: "reservation-expired" }
  | { kind: "payment-refunded" }
  | { kind: "stock-returned" }
  | { kind: "cancel" };

/** A change to make; a new `status` is a new revision with a line in the history. */
export interface Change {
  status?: Status;
  rejectionReason?: Reason;
  shortLines?: ShortLine[];
  reservationExpiresAt?: Date;
  refunded?: boolean;
  restocked?: boolean;
  /** The event to publish with the change. */
  announce?: Outcome;
}

/** Before any outcome: the only statuses the saga's decisions apply to. */
const UNDECIDED: readonly Status[] = ["PENDING", "STOCK_RESERVED"];

const rejected = (reason: Reason, shortLines?: ShortLine[]): Change => ({
  status: "REJECTED",
  rejectionReason: reason,
  announce: "rejected",
  ...(shortLines ? { shortLines } : {}),
});

/**
 * The change `step` makes to an order in `state` at time `now`, or undefined when it changes
 * nothing: the step is late, repeated, or does not apply in that status.
 */
export function decide(state: MachineState, step: Step, now: Date): Change | undefined {
  const undecided = UNDECIDED.includes(state.status);
  switch (step.kind) {
    case "stock-reserved":
      if (state.status !== "PENDING") return undefined;
      return {
        status: "STOCK_RESERVED",
        ...(step.expireTime ? { reservationExpiresAt: step.expireTime } : {}),
      };
    case "stock-rejected":
      return undecided ? rejected("OUT_OF_STOCK", step.shortLines) : undefined;
    case "payment-authorized":
      if (!undecided) return undefined;
      return now.getTime() < heldUntil(state, step.reservationExpireTime)
        ? { status: "CONFIRMED", announce: "confirmed" }
        : rejected("RESERVATION_EXPIRED");
    case "payment-declined":
      return undecided ? rejected(step.reason) : undefined;
    case "reservation-expired":
      return undecided ? rejected("RESERVATION_EXPIRED") : undefined;
    case "payment-refunded":
      if (state.status !== "REFUND_PENDING" || state.refunded) return undefined;
      return state.restocked
        ? { status: "REFUNDED", refunded: true, announce: "refunded" }
        : { refunded: true };
    case "stock-returned":
      if (state.status !== "REFUND_PENDING" || state.restocked) return undefined;
      return state.refunded
        ? { status: "REFUNDED", restocked: true, announce: "refunded" }
        : { restocked: true };
    case "cancel":
      if (undecided) return { status: "CANCELLED", announce: "cancelled" };
      if (state.status === "CONFIRMED") return { status: "REFUND_PENDING", announce: "cancelled" };
      return undefined;
  }
}

/**
 * Until when the stock is held, in epoch milliseconds. An order is confirmed only before then,
 * so a confirmation never meets stock that catalog has already released; an expiry known from
 * neither PaymentAuthorized nor StockReserved (a broken contract) confirms nothing.
 */
function heldUntil(state: MachineState, fromPayment: Date | undefined): number {
  return (fromPayment ?? state.reservationExpiresAt)?.getTime() ?? Number.NEGATIVE_INFINITY;
}
