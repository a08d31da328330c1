/**
 * A stand-in OrdersService for the gateway's tests, served the way a real service is: Connect
 * mounted in a Hono app, every call's internal credential checked against a per-method scope
 * policy. So a request to the gateway crosses its Connect client, the credential it signs and
 * the Connect protocol, and the handler sees the caller the service would. Each handler
 * records the request and that caller, then answers what the test set (a canned order unless
 * told otherwise).
 *
 * @example
 * const orders = fakeOrders();
 * const gateway = useGateway("pglite", { catalog: false, orders });
 * beforeEach(() => orders.reset());
 * it("maps not_found", async () => {
 *   orders.answer("getOrder", () => { throw new ConnectError("order not found", Code.NotFound); });
 *   // ... then orders.callsOf("getOrder")[0]?.caller.subject
 * });
 */
import { create, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { Hono } from "hono";
import { uuidv7 } from "uuidv7";
import { type Order, OrderSchema, OrderStatus, OrdersService } from "../gen/orders/v1/orders_pb.js";
import {
  type Caller,
  callerOf,
  createCredentialCheck,
  methodPolicy,
} from "../platform/auth/internal-credential.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { mountConnect } from "../platform/rpc/serve.js";

type Methods = (typeof OrdersService)["method"];
export type OrdersMethod = keyof Methods;
type Impl = ServiceImpl<typeof OrdersService>;

/** One call that reached a handler: what was asked, and for whom. */
export type OrdersCall = {
  [M in OrdersMethod]: { method: M; request: MessageShape<Methods[M]["input"]>; caller: Caller };
}[OrdersMethod];

export interface FakeOrders {
  /** The service's HTTP app; give the fake to `useGateway(kind, { orders })`. */
  app: Hono;
  /** Every call that passed the credential check, oldest first. */
  calls: OrdersCall[];
  callsOf<M extends OrdersMethod>(method: M): Extract<OrdersCall, { method: M }>[];
  /** How `method` answers from now on (until `reset`): return a response or throw. */
  answer<M extends OrdersMethod>(method: M, handler: Impl[M]): void;
  /** Forgets the calls and the answers set. */
  reset(): void;
}

/** The scopes each RPC requires, as the orders service's own policy says. */
export const ordersPolicy = methodPolicy(OrdersService, {
  placeOrder: ["orders:write"],
  getOrder: ["orders:read"],
  listOrders: ["orders:read"],
  cancelOrder: ["orders:write"],
});

/** When canned orders were placed and last changed. */
export const CANNED_CREATED = new Date("2026-03-01T10:00:00.000Z");
export const CANNED_UPDATED = new Date("2026-03-01T10:00:02.500Z");

type OrderInit = MessageInitShape<typeof OrderSchema>;

/** A pending order of one line (2 × 12.50 EUR), with `init` applied over it. */
export function cannedOrder(init: OrderInit = {}): Order {
  const base: OrderInit = {
    id: uuidv7(),
    customerId: "customer-1",
    status: OrderStatus.PENDING,
    lines: [
      {
        productId: "0190b6a0-0000-7000-8000-000000000001",
        name: "Teapot",
        quantity: 2,
        unitPrice: { amountMinor: 1250n, currency: "EUR" },
      },
    ],
    total: { amountMinor: 2500n, currency: "EUR" },
    history: [{ status: OrderStatus.PENDING, changeTime: timestampFromDate(CANNED_CREATED) }],
    createTime: timestampFromDate(CANNED_CREATED),
    updateTime: timestampFromDate(CANNED_UPDATED),
    revision: 1,
  };
  return create(OrderSchema, { ...base, ...init } as OrderInit);
}

const defaults: Impl = {
  placeOrder: (request) => ({
    order: cannedOrder({
      lines: request.lines.map((line, index) => ({
        productId: line.productId,
        name: `Product ${index + 1}`,
        quantity: line.quantity,
        unitPrice: { amountMinor: 1000n, currency: "EUR" },
      })),
      total: {
        amountMinor: request.lines.reduce((sum, line) => sum + 1000n * BigInt(line.quantity), 0n),
        currency: "EUR",
      },
    }),
  }),
  getOrder: (request) => ({ order: cannedOrder({ id: request.id }) }),
  listOrders: () => ({ orders: [], nextPageToken: "" }),
  cancelOrder: (request) => ({
    order: cannedOrder({ id: request.id, status: OrderStatus.CANCELLED }),
  }),
};

export function fakeOrders(): FakeOrders {
  const calls: OrdersCall[] = [];
  let answers: Partial<Impl> = {};

  // Records the call, then answers with the test's handler or the default.
  const handle =
    <M extends OrdersMethod>(method: M) =>
    (request: MessageShape<Methods[M]["input"]>, context: HandlerContext) => {
      calls.push({ method, request, caller: callerOf(context) } as OrdersCall);
      const handler = (answers[method] ?? defaults[method]) as (
        request: MessageShape<Methods[M]["input"]>,
        context: HandlerContext,
      ) => unknown;
      return handler(request, context);
    };

  const app = new Hono();
  mountConnect(
    app,
    (router) =>
      router.service(OrdersService, {
        placeOrder: handle("placeOrder"),
        getOrder: handle("getOrder"),
        listOrders: handle("listOrders"),
        cancelOrder: handle("cancelOrder"),
      } as Impl),
    {
      interceptors: [
        createCredentialCheck({
          secret: TEST_INTERNAL_SECRET,
          service: "orders",
          policy: ordersPolicy,
        }),
      ],
    },
  );

  return {
    app,
    calls,
    callsOf: <M extends OrdersMethod>(method: M) =>
      calls.filter((call): call is Extract<OrdersCall, { method: M }> => call.method === method),
    answer: (method, handler) => {
      answers = { ...answers, [method]: handler };
    },
    reset: () => {
      calls.length = 0;
      answers = {};
    },
  };
}
