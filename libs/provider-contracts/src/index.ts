// @notify/provider-contracts: pure pieces of the providers' wire contracts that both the
// gateway (production) and the provider simulators (tests) need, kept in one place
// (reference/providers.md): Twilio's X-Twilio-Signature scheme; how a value is made safe in a
// WhatsApp or SMS text (WhatsApp's formatting markers), used by the template service and the
// gateway's own reply texts.
export * from './twilio-signature';
export * from './message-values';
