// @notify/provider-contracts: pure pieces of the providers' wire contracts that both the
// gateway (production) and the provider simulators (tests) need, kept in one place
// (reference/providers.md). Today: Twilio's X-Twilio-Signature scheme.
export * from './twilio-signature';
