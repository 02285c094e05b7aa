import { platformMigrations } from '@notify/db';
import { CreateDeliveryTables1795400500000 } from './1795400500000-CreateDeliveryTables';
import { CreateInboundMessages1795400501000 } from './1795400501000-CreateInboundMessages';
import { AddDeliveryTraceContext1795400502000 } from './1795400502000-AddDeliveryTraceContext';
import { AddRateLimitedAttemptOutcome1795400503000 } from './1795400503000-AddRateLimitedAttemptOutcome';
import { ReceivedAtIndexes1795400504000 } from './1795400504000-ReceivedAtIndexes';
import { AddDeferredReason1795400505000 } from './1795400505000-AddDeferredReason';
import { CreatePendingReceipts1795400506000 } from './1795400506000-CreatePendingReceipts';
import { AddClaimChannelIndex1795400507000 } from './1795400507000-AddClaimChannelIndex';
import { AddNotificationFingerprint1795400508000 } from './1795400508000-AddNotificationFingerprint';
import { AddReceiptChecks1795400509000 } from './1795400509000-AddReceiptChecks';
import { AddTicketOrderIndex1795400510000 } from './1795400510000-AddTicketOrderIndex';
import { AddCancelledDeliveryStatus1795400511000 } from './1795400511000-AddCancelledDeliveryStatus';
import { CreateTicketSupersessions1795400512000 } from './1795400512000-CreateTicketSupersessions';
import { AddNotificationLeftOutRecipients1795400513000 } from './1795400513000-AddNotificationLeftOutRecipients';
import { AddSmsFallbackReason1795400514000 } from './1795400514000-AddSmsFallbackReason';
import { CreateInvoiceClosures1795400515000 } from './1795400515000-CreateInvoiceClosures';
import { AddUncountedRounds1795400516000 } from './1795400516000-AddUncountedRounds';

/** Every migration of the gateway schema, in order: the platform's (outbox, dead letters, processed events), then the delivery tables, the inbound-message dedupe, the deliveries' trace context the RATE_LIMITED attempt outcome, the received_at indexes of the housekeeping, the deferral reason, the receipts kept until their send is recorded, the per-channel claim index (provider pacing), the notifications' request fingerprint (idempotency key reuse), the receipt reconciliation's look-up bookkeeping, the per-ticket send order's index, the CANCELLED status (deliveries withdrawn unsent), what tickets' events made stale, who a notification left out by name, why a delivery moved from WhatsApp to SMS between rounds, the invoices whose payment reminders a payment made stale, the rounds in a row that called no provider (their retries back off further). */
export const gatewayMigrations = [...platformMigrations, CreateDeliveryTables1795400500000, CreateInboundMessages1795400501000, AddDeliveryTraceContext1795400502000, AddRateLimitedAttemptOutcome1795400503000, ReceivedAtIndexes1795400504000, AddDeferredReason1795400505000, CreatePendingReceipts1795400506000, AddClaimChannelIndex1795400507000, AddNotificationFingerprint1795400508000, AddReceiptChecks1795400509000, AddTicketOrderIndex1795400510000, AddCancelledDeliveryStatus1795400511000, CreateTicketSupersessions1795400512000, AddNotificationLeftOutRecipients1795400513000, AddSmsFallbackReason1795400514000, CreateInvoiceClosures1795400515000, AddUncountedRounds1795400516000];
