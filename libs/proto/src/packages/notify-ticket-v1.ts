// Package notify.ticket.v1: every generated file of proto/notify/ticket/v1, re-exported as one module.
// Generated code lives in ../gen (do not edit; run scripts/proto-generate.sh).
export * from '../gen/notify/ticket/v1/events';
export * from '../gen/notify/ticket/v1/ticket';
export * from '../gen/notify/ticket/v1/ticket_service';
