// @notify/telemetry barrel
export * from './carriers';
