import type { Job } from './reply.ports';
import { formatWib } from './technician-reply.rules';

/**
 * Every text the technician reply flow answers with, in one place (Bahasa Indonesia).
 *
 * Source: the seeds give NO text for the confirmations sent back to the technician —
 * customer-notification-system.md only names the steps ("Technician Takes Job (Button "1")",
 * "Technician Starts Job", "Technician Completes Job") and gives the CUSTOMER's messages
 * ("👨‍🔧 TEKNISI DITUGASKAN", "🚀 PENANGANAN GANGGUAN DIMULAI", "✅ GANGGUAN BERHASIL
 * DIATASI"), which the delivery pipeline sends from the ticket events, not this flow. So these
 * texts are authored here, in the seeds' style (emoji + *bold title*, "🎫 Nomor", "📍 Alamat",
 * "🔧 Masalah", "🕐 Dimulai / Selesai"), and each confirmation says what "1" does next.
 * Texts that change nothing say so ("Tidak ada perubahan"), so the technician knows the reply
 * was read.
 */
export const REPLY_TEXTS = {
  /** OPEN → ASSIGNED: the technician took the job. */
  assigned: (job: Job): string =>
    [
      '✅ *PEKERJAAN BERHASIL DIAMBIL*',
      '',
      `🎫 Nomor: ${job.number}`,
      `🔧 Masalah: ${job.description || '-'}`,
      `📍 Alamat: ${job.address}`,
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

  /** A number that is no staff member's (also what a customer writing to this number reads). */
  unknownSender: (): string =>
    'Maaf, nomor Anda tidak terdaftar sebagai teknisi, sehingga pesan ini tidak dapat diproses otomatis. ' +
    'Teknisi: minta admin mendaftarkan nomor WhatsApp Anda. Pelanggan: silakan hubungi customer service kami.',

  /** Staff, but not a technician. */
  notATechnician: (name: string): string =>
    `Halo ${name}, balasan *1* hanya untuk teknisi (mengambil, memulai dan menyelesaikan pekerjaan). Tidak ada perubahan.`,

  /** A technician whose account is inactive (cannot be assigned: customer.proto `Staff.active`). */
  inactiveTechnician: (name: string): string =>
    `Halo ${name}, akun teknisi Anda sedang tidak aktif, jadi pekerjaan tidak dapat diambil. Hubungi supervisor Anda. Tidak ada perubahan.`,

  /** Any text other than "1" from a technician. */
  notACommand: (): string =>
    'Balas *1* untuk:\n' +
    '• mengambil pekerjaan yang ditawarkan di area Anda,\n' +
    '• memulai pekerjaan yang sudah Anda ambil,\n' +
    '• menyelesaikan pekerjaan yang sedang Anda kerjakan.',

  /** "1" with nothing to act on. */
  nothingInReach: (workZones: readonly string[]): string =>
    `Saat ini tidak ada pekerjaan untuk Anda: tidak ada tiket yang sedang Anda kerjakan dan tidak ada tiket terbuka di ${
      workZones.length ? `area ${workZones.join(', ')}` : 'area mana pun'
    }. Tidak ada perubahan. Anda akan menerima pesan saat ada pekerjaan baru.`,

  /** The OPEN job was taken by someone else first. */
  alreadyTaken: (job: Job): string =>
    `⚠️ Maaf, tiket ${job.number} sudah diambil teknisi lain. Tidak ada perubahan. Balas *1* lagi untuk pekerjaan berikutnya bila ada.`,

  /** The job changed between reading and acting (start / complete raced another change). */
  changedMeanwhile: (job: Job): string =>
    `⚠️ Status tiket ${job.number} baru saja berubah, jadi balasan Anda tidak diproses. Tidak ada perubahan. Balas *1* lagi untuk melanjutkan.`,

  /** A dependency failed. */
  failed: (): string => 'Maaf, balasan Anda belum dapat diproses karena gangguan sistem. Silakan balas *1* lagi dalam beberapa menit.',
} as const;
