/**
 * `npm run dlq -- list|show|redrive <queue> [message-id]`: the dead letters of a queue, on
 * whichever transport BUS selects (embedded by default, rabbitmq, sns-sqs).
 *
 *   npm run dlq -- list catalog
 *   npm run dlq -- show catalog 0193…
 *   npm run dlq -- redrive catalog
 */
import * as v from "valibot";
import { busConfig } from "../platform/bus/config.js";
import { openBus } from "../platform/bus/open-bus.js";
import type { DeadLetter } from "../platform/bus/port.js";
import { ConfigError, loadConfig, logLevel } from "../platform/config.js";
import { databaseConfig } from "../platform/db/config.js";
import { parseEnvelope } from "../platform/events/envelope.js";
import { queueNames } from "../platform/events/topology.js";
import { createLogger } from "../platform/logger.js";

const DlqConfig = v.object({ ...databaseConfig, ...busConfig, LOG_LEVEL: logLevel });

const usage = `usage: npm run dlq -- list <queue> | show <queue> <message-id> | redrive <queue>
queues: ${queueNames.join(", ")}`;

async function main(args: string[]): Promise<number> {
  const [command, queue, messageId] = args;
  if (!command || !queue || !["list", "show", "redrive"].includes(command)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (!(queueNames as string[]).includes(queue)) {
    process.stderr.write(`unknown queue ${queue}\n${usage}\n`);
    return 2;
  }
  const config = loadConfig(DlqConfig, { LOG_LEVEL: "WARN", ...process.env });
  const bus = await openBus({ ...config, logger: createLogger("dlq", config.LOG_LEVEL) });
  try {
    if (command === "redrive") {
      const moved = await bus.deadLetters.redrive(queue);
      process.stdout.write(`redrove ${moved} message(s) to ${queue}\n`);
      return 0;
    }
    const letters = await bus.deadLetters.list(queue, 1000);
    if (command === "list") {
      process.stdout.write(`${letters.length} dead letter(s) in ${queue} (${config.BUS})\n`);
      for (const letter of letters) process.stdout.write(`${summary(letter)}\n`);
      return 0;
    }
    const letter = letters.find(
      (candidate) => candidate.messageId === messageId || eventId(candidate) === messageId,
    );
    if (!letter) {
      process.stderr.write(`no dead letter ${messageId ?? "(missing id)"} in ${queue}\n`);
      return 1;
    }
    const parsed = parseEnvelope(letter.body);
    process.stdout.write(
      `${JSON.stringify({ ...letter, envelope: parsed.ok ? parsed.envelope : undefined }, null, 2)}\n`,
    );
    return 0;
  } finally {
    await bus.close();
  }
}

function eventId(letter: DeadLetter): string | undefined {
  const parsed = parseEnvelope(letter.body);
  return parsed.ok ? parsed.envelope.id : undefined;
}

function summary(letter: DeadLetter): string {
  const parsed = parseEnvelope(letter.body);
  const type = parsed.ok ? parsed.envelope.type : "(not an envelope)";
  return [
    letter.messageId,
    letter.deadAt ?? "-",
    `attempts=${letter.receiveCount}`,
    type,
    letter.reason ?? "(no reason recorded)",
  ].join("  ");
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      error instanceof ConfigError
        ? `${error.message}\n`
        : `dlq failed: ${(error as Error).message}\n`,
    );
    process.exit(1);
  },
);
