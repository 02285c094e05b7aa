// Package notify.template.v1: every generated file of proto/notify/template/v1, re-exported as one module.
// Generated code lives in ../gen (do not edit; run scripts/proto-generate.sh).
export * from '../gen/notify/template/v1/template';
export * from '../gen/notify/template/v1/template_service';
