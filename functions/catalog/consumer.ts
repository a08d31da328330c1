// AWS Lambda entry of the catalog's event consumer: SQS batches from the catalog queue, with
// partial batch responses so only failed records are retried.
import { sqsEventHandler } from "../platform/bus/sns-sqs/sqs-event-handler.js";
import { catalog, logger } from "./deployed.js";

export const handler = sqsEventHandler(catalog.consumer, { logger });
