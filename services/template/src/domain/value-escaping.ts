// The value escaping of message texts lives in @notify/provider-contracts (the gateway's reply
// texts use it too); re-exported here for the template service's renderer and its tests.
export { escapeUrl, escapeValue, WHATSAPP_MARKER_LOOKALIKES } from '@notify/provider-contracts';
