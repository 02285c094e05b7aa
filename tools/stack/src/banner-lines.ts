// Lines both start banners print (npm start, npm run start:services).

/**
 * The banners' line for SUPPORT_PHONE: the number customers are given to call (the welcome, the
 * reply to a customer who writes in), or that it is unset and those texts name none (QA: the
 * reply read "silakan hubungi customer service kami" with no number, and nothing said why).
 */
export function supportPhoneLine(phone: string | undefined): string {
  return phone?.trim()
    ? `  Support    ${phone.trim()} (SUPPORT_PHONE: the number the welcome and the replies to customers give)`
    : '  Support    no number (SUPPORT_PHONE unset: the welcome and the replies to customers who write in name no number to call)';
}
