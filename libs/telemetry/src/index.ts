// @notify/telemetry barrel
export {};
