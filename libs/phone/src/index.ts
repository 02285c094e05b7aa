// @notify/phone: how a phone number is read, in one place for every service (ARCHITECTURE.md
// "Phones"): the customer directory (customers, staff, opt-outs, audiences), the gateway (Notify
// recipients, the WhatsApp sender of a technician's reply). Pure; depends only on @notify/errors
// and libphonenumber-js.
export * from './phone';
