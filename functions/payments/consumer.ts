// AWS Lambda entry of the payments event consumer: SQS batches from the payments queue, with
// partial batch responses so only failed records are retried.
import { sqsEventHandler } from "../platform/bus/sns-sqs/sqs-event-handler.js";
import { logger, payments } from "./deployed.js";

export const handler = sqsEventHandler(payments.consumer, { logger });
