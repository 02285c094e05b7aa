// Package notify.common.v1: every generated file of proto/notify/common/v1, re-exported as one module.
// Generated code lives in ../gen (do not edit; run scripts/proto-generate.sh).
export * from '../gen/notify/common/v1/common';
