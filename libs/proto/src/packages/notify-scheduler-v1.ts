// Package notify.scheduler.v1: every generated file of proto/notify/scheduler/v1, re-exported as one module.
// Generated code lives in ../gen (do not edit; run scripts/proto-generate.sh).
export * from '../gen/notify/scheduler/v1/events';
export * from '../gen/notify/scheduler/v1/scheduler';
export * from '../gen/notify/scheduler/v1/scheduler_service';
