// Webhook HTTP server (receipts, inbound replies, /healthz, /metrics) and its payload types.
export * from './webhook-server';
export * from './webhook-payloads';
