// Package notify.customer.v1: every generated file of proto/notify/customer/v1, re-exported as one module.
// Generated code lives in ../gen (do not edit; run scripts/proto-generate.sh).
export * from '../gen/notify/customer/v1/customer';
export * from '../gen/notify/customer/v1/customer_service';
export * from '../gen/notify/customer/v1/events';
