// Provider adapters (Fonnte, Wablas, Twilio, Advanta) and the per-channel failover chain.
export * from './provider-adapter';
export * from './fonnte.adapter';
export * from './wablas.adapter';
export * from './twilio.adapter';
export * from './advanta.adapter';
export * from './provider-chain';
export * from './provider-registry';
export * from './pacer';
