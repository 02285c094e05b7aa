import { escapeValue, joinLines } from '@notify/provider-contracts';
import type { CustomerContact, Job } from './reply.ports';
import { displayPhone, formatWib } from './technician-reply.rules';

/**
 * Every text the technician reply flow answers with, in one place (Bahasa Indonesia).
 *
 * The answers about a ticket (`assigned`, `started`, `completed`, `alreadyTaken`,
 * `jobUnavailable`, `changedMeanwhile`) are sent from the template service's
 * `technician.job_taken` / `job_started` / `job_completed` / `job_unavailable` when the flow has
 * a renderer (reply-templates.ts), so operators can edit them; these functions are their
 * fallback when the template service cannot render, and the seeded defaults
 * (services/template/src/seed/staff.templates.ts) render exactly these texts: change both
 * together (services/gateway/test/replies/technician-reply.integration-spec.ts checks it).
 *
 * Source: the seeds give NO text for the confirmations sent back to the technician —
 * customer-notification-system.md only names the steps ("Technician Takes Job (Button "1")",
 * "Technician Starts Job", "Technician Completes Job") and gives the CUSTOMER's messages
 * ("👨‍🔧 TEKNISI DITUGASKAN", "🚀 PENANGANAN GANGGUAN DIMULAI", "✅ GANGGUAN BERHASIL
 * DIATASI"), which the delivery pipeline sends from the ticket events, not this flow. So these
 * texts are authored here, in the seeds' style (emoji + *bold title*, "🎫 Nomor", "📍 Alamat",
 * "🔧 Masalah", "🕐 Dimulai / Selesai"), and each confirmation says what "1" does next.
 * Texts that change nothing say so ("Tidak ada perubahan"), so the technician knows the reply
 * was read. The take confirmation carries what the technician needs to go to the customer (name,
 * phone, address, problem, SLA deadline), the fields of the template service's
 * `technician.job_taken`: the routing leaves the technician who took the job out of
 * `ticket.assigned`, so this is the only message that tells them.
 * Values from the directory and the ticket (names, address, problem, zones) go through `v`: one
 * line, no control characters, WhatsApp's markers replaced by look-alikes — the template
 * service's rule for every `{{ }}` value (@notify/provider-contracts escapeValue), so a ticket
 * description cannot forge a line such as "✅ Status: COMPLETED" or turn a text bold.
 */
const v = (value: string): string => escapeValue(joinLines(value), 'WHATSAPP');

export const REPLY_TEXTS = {
  /**
   * OPEN → ASSIGNED: the technician took the job. `customer` is the ticket's customer (null when
   * unknown or the customer service could not answer: the lines show `-`); the SLA line only when
   * the ticket has a deadline.
   */
  assigned: (job: Job, customer: CustomerContact | null): string =>
    [
      '✅ *PEKERJAAN BERHASIL DIAMBIL*',
      '',
      `🎫 Nomor: ${v(job.number)}`,
      `👤 Pelanggan: ${customer?.name ? v(customer.name) : '-'}`,
      `📞 Kontak: ${customer?.phone ? displayPhone(customer.phone) : '-'}`,
      `📍 Alamat: ${job.address ? v(job.address) : '-'}`,
      `🔧 Masalah: ${job.description ? v(job.description) : '-'}`,
      ...(job.slaDueAt ? [`⏳ Batas SLA: ${formatWib(job.slaDueAt)}`] : []),
      '⏰ Status: ASSIGNED',
      '',
      'Pelanggan akan diberi tahu. Balas *1* saat Anda mulai mengerjakan.',
    ].join('\n'),

  /** ASSIGNED → IN_PROGRESS: work started. */
  started: (job: Job, at: Date): string =>
    [
      '🚀 *PEKERJAAN DIMULAI*',
      '',
      `🎫 Nomor: ${job.number}`,
      '⏰ Status: IN PROGRESS',
      `🕐 Dimulai: ${formatWib(at)}`,
      '',
      'Balas *1* jika pekerjaan sudah selesai.',
    ].join('\n'),

  /** IN_PROGRESS → COMPLETED: work done. */
  completed: (job: Job, at: Date): string =>
    [
      '✅ *PEKERJAAN SELESAI*',
      '',
      `🎫 Nomor: ${job.number}`,
      '✅ Status: COMPLETED',
      `🕐 Selesai: ${formatWib(at)}`,
      '',
      'Terima kasih! Pelanggan akan diberi tahu.',
    ].join('\n'),

  /**
   * A number that is neither staff's nor a customer's; names the support number (SUPPORT_PHONE,
   * shown as `+62…`) when set.
   */
  unknownSender: (supportPhone = ''): string =>
    'Maaf, nomor Anda belum terdaftar di sistem kami, sehingga pesan ini tidak dapat diproses otomatis. ' +
    `Teknisi: minta admin mendaftarkan nomor WhatsApp Anda. Pelanggan: silakan hubungi customer service kami${supportPhone ? ` di ${supportPhone}` : ''}, ` +
    'atau balas *STOP* bila tidak ingin menerima pesan WhatsApp dari kami lagi.',

  /**
   * A registered customer whose number opted out of WhatsApp (a STOP reply) writing in: how to
   * get the messages again, and where to get help.
   */
  customerOptedOut: (name: string, supportPhone: string): string =>
    `Halo ${v(name)}, nomor Anda saat ini tidak menerima pesan WhatsApp dari kami. Balas *MULAI* untuk menerimanya lagi. ` +
    `Untuk melaporkan gangguan atau bertanya, silakan hubungi customer service kami${supportPhone ? ` di ${supportPhone}` : ''}.`,

  /** MULAI from a number that had not opted out: nothing to lift. */
  alreadyOptedIn: (): string => 'Nomor Anda sudah menerima pesan WhatsApp dari kami. Balas *STOP* bila ingin berhenti.',

  /** Any text but "1" from a staff member who is not an active technician: nothing to do with it. */
  staffMessage: (name: string): string =>
    `Halo ${v(name)}, nomor ini hanya mengirim pemberitahuan otomatis dan tidak dapat membalas pesan. Tidak ada perubahan.`,

  /**
   * A registered customer writing to this number (any text but STOP / MULAI): it sends
   * notifications and reads no messages; where to get help (the support number when
   * SUPPORT_PHONE is set, as in customer.welcome) and how to stop them. Nothing changes.
   */
  customerMessage: (name: string, supportPhone: string): string =>
    `Halo ${v(name)}, terima kasih atas pesan Anda. Nomor ini hanya mengirim pemberitahuan otomatis dan tidak dapat membalas pesan. ` +
    (supportPhone
      ? `Untuk melaporkan gangguan atau bertanya, silakan hubungi customer service kami di ${supportPhone}. `
      : 'Untuk melaporkan gangguan atau bertanya, silakan hubungi customer service kami. ') +
    'Balas *STOP* bila tidak ingin menerima pesan WhatsApp dari kami lagi.',

  /** STOP from a number that is not staff: it is opted out of WhatsApp. */
  optedOut: (): string =>
    'Baik, nomor Anda tidak akan menerima pesan WhatsApp dari kami lagi. ' +
    'Bila ingin menerimanya kembali, balas *MULAI*.',

  /** MULAI from a number that had opted out: it hears from the ISP again. */
  optedIn: (): string => 'Baik, nomor Anda akan menerima pesan WhatsApp dari kami lagi. Balas *STOP* bila ingin berhenti.',

  /** STOP whose opt-out could not be recorded (the customer service did not answer). */
  optOutFailed: (): string => 'Maaf, permintaan berhenti Anda belum dapat diproses karena gangguan sistem. Silakan balas *STOP* lagi dalam beberapa menit.',

  /** MULAI whose opt-out could not be lifted (the customer service did not answer). */
  optInFailed: (): string => 'Maaf, permintaan Anda belum dapat diproses karena gangguan sistem. Silakan balas *MULAI* lagi dalam beberapa menit.',

  /** STOP from a staff member: not opted out (job messages are their work). */
  optOutRefused: (name: string): string =>
    `Halo ${v(name)}, nomor ini terdaftar sebagai staf, jadi pesan pekerjaan tetap dikirim ke nomor ini. Hubungi admin untuk mengubahnya. Tidak ada perubahan.`,

  /** Staff, but not a technician. */
  notATechnician: (name: string): string =>
    `Halo ${v(name)}, balasan *1* hanya untuk teknisi (mengambil, memulai dan menyelesaikan pekerjaan). Tidak ada perubahan.`,

  /** A technician whose account is inactive (cannot be assigned: customer.proto `Staff.active`). */
  inactiveTechnician: (name: string): string =>
    `Halo ${v(name)}, akun teknisi Anda sedang tidak aktif, jadi pekerjaan tidak dapat diambil. Hubungi supervisor Anda. Tidak ada perubahan.`,

  /** Any text other than "1" from a technician; states the rule: "1" answers the latest job message. */
  notACommand: (): string =>
    'Balas *1* untuk menjawab pesan pekerjaan terakhir yang Anda terima:\n' +
    '• tawaran tiket baru → Anda mengambilnya,\n' +
    '• tiket yang sudah Anda ambil → mulai dikerjakan,\n' +
    '• tiket yang sedang Anda kerjakan → selesai.',

  /** "1" with nothing to act on. */
  nothingInReach: (workZones: readonly string[]): string =>
    `Saat ini tidak ada pekerjaan untuk Anda: tidak ada tiket yang sedang Anda kerjakan dan tidak ada tiket terbuka di ${
      workZones.length ? `area ${workZones.map(v).join(', ')}` : 'area mana pun'
    }. Tidak ada perubahan. Anda akan menerima pesan saat ada pekerjaan baru.`,

  /** The job offered to them was taken by another technician first (at the take, or before the "1" answering its offer). */
  alreadyTaken: (job: Job): string =>
    `⚠️ Maaf, tiket ${job.number} sudah diambil teknisi lain. Tidak ada perubahan. Balas *1* lagi untuk pekerjaan berikutnya bila ada.`,

  /** The job changed between reading and acting (start / complete raced another change). */
  changedMeanwhile: (job: Job): string =>
    `⚠️ Status tiket ${job.number} baru saja berubah, jadi balasan Anda tidak diproses. Tidak ada perubahan. Balas *1* lagi untuk melanjutkan.`,

  /**
   * The "1" answered a job message whose ticket is not theirs to move and not held by another
   * technician (that is {@link REPLY_TEXTS.alreadyTaken}): cancelled, completed, or OPEN outside
   * their work zones. Says that the next "1" goes on with their other work (the use case then
   * falls back to the priority order).
   */
  jobUnavailable: (job: Job): string =>
    `⚠️ Tiket ${job.number} ${
      job.status === 'CANCELLED' ? 'sudah dibatalkan' : job.status === 'COMPLETED' ? 'sudah selesai' : 'berada di luar area kerja Anda'
    }, jadi balasan Anda tidak diproses. Tidak ada perubahan. Balas *1* lagi untuk pekerjaan Anda yang lain bila ada.`,

  /** A dependency failed. */
  failed: (): string => 'Maaf, balasan Anda belum dapat diproses karena gangguan sistem. Silakan balas *1* lagi dalam beberapa menit.',
} as const;
