import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { databaseKinds } from "../../platform/testing/databases.js";
import { providerRecords } from "../db/schema.js";
import type { PaymentsDb } from "../payment.js";
import { usePayments } from "../testing.js";
import {
  type Authorization,
  idempotencyKey,
  type PaymentProvider,
  ProviderError,
  TransientProviderError,
  withRetries,
} from "./provider.js";
import { FLAKY_FAILURES, pruneProviderRecords, simulatedProvider } from "./simulated-provider.js";

const amount = { amountMinor: 990n, currency: "EUR" };

describe.each(databaseKinds)("simulated provider on %s", (kind) => {
  const service = usePayments(kind);

  /** Runs `work` against the provider in one transaction, as an event's handler does. */
  const inTransaction = <T>(work: (provider: PaymentProvider) => Promise<T>) =>
    service.db.transaction((tx) => work(simulatedProvider(tx as unknown as PaymentsDb)));

  const authorize = (provider: PaymentProvider, token: string, key = `${uuidv7()}:authorize`) =>
    provider.authorize({ idempotencyKey: key, token, amount });

  it.each<[string, Authorization["approved"], string | undefined]>([
    ["tok_success", true, undefined],
    ["tok_declined", false, "declined"],
    ["tok_insufficient_funds", false, "insufficient_funds"],
    ["tok_anything_else", false, "declined"],
  ])("answers %s", async (token, approved, reason) => {
    const result = await inTransaction((provider) => authorize(provider, token));
    expect(result.approved).toBe(approved);
    if (!result.approved) expect(result.reason).toBe(reason);
  });

  it("answers a repeated key with the first answer, and records it once", async () => {
    const key = idempotencyKey(uuidv7(), "authorize");
    const [first, second] = await inTransaction(async (provider) => [
      await authorize(provider, "tok_success", key),
      await authorize(provider, "tok_success", key),
    ]);
    expect(second).toEqual(first);
    const records = await service.db
      .select()
      .from(providerRecords)
      .where(sql`${providerRecords.idempotencyKey} = ${key}`);
    expect(records).toMatchObject([{ operation: "authorize", attempts: 2 }]);
  });

  it("refuses a key reused for another request", async () => {
    const key = idempotencyKey(uuidv7(), "capture");
    const error = await inTransaction(async (provider) => {
      await provider.capture({ idempotencyKey: key, authorizationId: "auth_1", amount });
      return provider
        .capture({
          idempotencyKey: key,
          authorizationId: "auth_1",
          amount: { ...amount, amountMinor: 1n },
        })
        .catch((caught: unknown) => caught);
    });
    expect(error).toBeInstanceOf(ProviderError);
  });

  it("loses tok_flaky's answer twice, then gives the authorization it made the first time", async () => {
    const key = idempotencyKey(uuidv7(), "authorize");
    const answers = await inTransaction(async (provider) => {
      const seen: unknown[] = [];
      for (let attempt = 1; attempt <= FLAKY_FAILURES + 1; attempt++) {
        seen.push(await authorize(provider, "tok_flaky", key).catch((caught: unknown) => caught));
      }
      return seen;
    });
    expect(answers.slice(0, FLAKY_FAILURES).every((a) => a instanceof TransientProviderError)).toBe(
      true,
    );
    expect(answers.at(-1)).toMatchObject({ approved: true });
  });

  it("with retries, authorizes tok_flaky in one call, or fails it for redelivery", async () => {
    const retried = await inTransaction((provider) =>
      authorize(withRetries(provider), "tok_flaky"),
    );
    expect(retried.approved).toBe(true);
    const tooFew = await inTransaction((provider) =>
      authorize(
        withRetries(provider, { attempts: FLAKY_FAILURES, baseDelayMs: 1 }),
        "tok_flaky",
      ).catch((caught: unknown) => caught),
    );
    expect(tooFew).toBeInstanceOf(TransientProviderError);
  });

  it("keeps its records in the event's transaction: a rolled-back charge never happened", async () => {
    const key = idempotencyKey(uuidv7(), "authorize");
    await inTransaction(async (provider) => {
      await authorize(provider, "tok_success", key);
      throw new Error("handler crashed");
    }).catch(() => {});
    const records = await service.db
      .select()
      .from(providerRecords)
      .where(sql`${providerRecords.idempotencyKey} = ${key}`);
    expect(records).toEqual([]);
  });

  it("prunes records past a day, and nothing newer", async () => {
    const old = idempotencyKey(uuidv7(), "authorize");
    const recent = idempotencyKey(uuidv7(), "authorize");
    await inTransaction(async (provider) => {
      await authorize(provider, "tok_success", old);
      await authorize(provider, "tok_success", recent);
    });
    await service.db
      .update(providerRecords)
      .set({ createdAt: sql`now() - interval '25 hours'` })
      .where(sql`${providerRecords.idempotencyKey} = ${old}`);
    expect(await pruneProviderRecords(service.db)).toBe(1);
    const left = await service.db
      .select({ key: providerRecords.idempotencyKey })
      .from(providerRecords)
      .where(sql`${providerRecords.idempotencyKey} in (${old}, ${recent})`);
    expect(left).toEqual([{ key: recent }]);
  });
});
