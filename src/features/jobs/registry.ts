import { mailSendJob } from "../mail/send-job.ts";
import { webhookDeliveryJob } from "../webhooks/delivery-job.ts";
import { createJobRegistry, type JobDefinition } from "./handlers.ts";

/**
 * Every job kind the app runs. A feature adds its definition here: one import, one entry (see
 * docs/JOBS.md). Both runtimes' runners use this registry; tests build their own.
 */
export const jobDefinitions: readonly JobDefinition<never>[] = [mailSendJob, webhookDeliveryJob];

export const jobRegistry = createJobRegistry(jobDefinitions);
