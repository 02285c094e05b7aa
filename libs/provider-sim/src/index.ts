// @notify/provider-sim barrel: Fonnte, Wablas, Twilio and Advanta simulators (real HTTP
// servers with fault knobs and receipts) and the Twilio webhook signature helpers.
export { twilioSignature, verifyTwilioSignature, type TwilioParams } from '@notify/provider-contracts';
export {
  DEFAULT_RECEIPT_DELAYS_MS,
  SimError,
  simFaultSchema,
  type CommonSimOptions,
  type InboundCapable,
  type InboundInput,
  type ProviderName,
  type ReceiptDelaysMs,
  type ReceiptOptions,
  type ReceiptStage,
  type SimFault,
  type SimHandle,
  type SimLogger,
  type SimMessage,
  type SimMessageStatus,
  type SimStats,
  type WebhookRecord,
} from './sim-server';
export * from './fonnte.sim';
export * from './wablas.sim';
export * from './twilio.sim';
export * from './advanta.sim';
export * from './all-sims';
