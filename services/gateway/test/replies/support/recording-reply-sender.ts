import type { ReplyPriority, ReplyRecipient, ReplySender } from '../../../src/application/replies';
import type { WebhookProvider } from '../../../src/transport/http/webhook-payloads';

/** One reply the flow sent. */
export interface SentReply {
  readonly to: string;
  readonly text: string;
  readonly provider: WebhookProvider;
  readonly priority: ReplyPriority;
  /** The ticket the answer is about, when it names one. */
  readonly ticketId?: string;
  /** Who the writer is in the directory, when known. */
  readonly recipient?: ReplyRecipient;
}

/** A {@link ReplySender} that records what it is asked to send (and can be told to fail). */
export class RecordingReplySender implements ReplySender {
  readonly sent: SentReply[] = [];
  failNext = 0;

  sendReply(to: string, text: string, provider: WebhookProvider, priority: ReplyPriority, ticketId?: string, recipient?: ReplyRecipient): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('provider down (test)'));
    }
    this.sent.push({ to, text, provider, priority, ...(ticketId ? { ticketId } : {}), ...(recipient ? { recipient } : {}) });
    return Promise.resolve();
  }

  /** Replies sent to `to`. */
  to(to: string): SentReply[] {
    return this.sent.filter((s) => s.to === to);
  }
}
