// Package notify.gateway.v1: every generated file of proto/notify/gateway/v1, re-exported as one module.
// Generated code lives in ../gen (do not edit; run scripts/proto-generate.sh).
export * from '../gen/notify/gateway/v1/delivery';
export * from '../gen/notify/gateway/v1/events';
export * from '../gen/notify/gateway/v1/notification_service';
