// @notify/events — event subjects, JetStream stream and durable consumer definitions, and
// typed protobuf encode/decode between subjects and the generated payload messages.
// Every name accepts an optional namespace so parallel test runs do not collide.
export { checkNamespace } from './namespace';
export {
  EVENT_DOMAINS,
  EVENT_NAMES,
  domainSubjects,
  eventSubject,
  eventSubjects,
  parseEventSubject,
  type EventDomain,
  type EventKey,
  type EventName,
  type ParsedSubject,
} from './subjects';
export { DUPLICATE_WINDOW_MS, MAX_EVENT_BYTES, eventStream, eventStreams, streamName, type StreamDefinition } from './streams';
export {
  DEFAULT_CONSUMER_ACK_WAIT_MS,
  DEFAULT_CONSUMER_MAX_DELIVER,
  durableName,
  eventConsumer,
  type ConsumerDefinition,
} from './consumers';
export {
  EVENT_CATALOG,
  PoisonEventError,
  decodeEvent,
  decodeEventAs,
  encodeEvent,
  eventIdFrom,
  type DecodedEvent,
  type EncodedEvent,
  type EventPayload,
} from './event-codec';
export {
  EVENT_TEMPLATE_VARIABLES, REPLY_FLOW_TEMPLATE_KEYS, REPLY_FLOW_TEMPLATE_VARIABLES, TEMPLATE_KEY_EVENTS, TICKET_TEMPLATE_VARIABLES, eventTemplateVariables, type TemplateSource,
} from './template-variables';
