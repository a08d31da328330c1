// AWS Lambda entry of the orders' event consumer: SQS batches from the orders queue (the saga's
// events and the orders' own), with partial batch responses so only failed records are retried.
import { sqsEventHandler } from "../platform/bus/sns-sqs/sqs-event-handler.js";
import { logger, orders } from "./deployed.js";

export const handler = sqsEventHandler(orders.consumer, { logger });
