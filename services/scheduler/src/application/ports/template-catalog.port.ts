/** One active template version of a key: where it can be rendered (`CHANNEL_*`, `LOCALE_*`). */
export interface TemplateVariant {
  readonly channel: string;
  readonly locale: string;
}

/** A text to render on trial (as the gateway will render it for a recipient). */
export interface TrialRender {
  readonly key: string;
  /** `CHANNEL_*`. */
  readonly channel: string;
  /** `LOCALE_*`. */
  readonly locale: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

/**
 * The template service's answer for one trial render: it renders, or it does not — `invalid`
 * (INVALID_ARGUMENT: missing variables, `missing` naming every one, or a value the template
 * cannot render; `message` is the template service's, e.g. `variables: missing variables: area,
 * start_at`) or `not_found` (no such template or version for that channel and locale).
 */
export type TrialRenderOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'invalid'; readonly message: string; readonly missing: readonly string[] }
  | { readonly ok: false; readonly reason: 'not_found'; readonly message: string };

/** The template service as campaigns use it (gRPC adapter in infrastructure/clients). */
export interface TemplateCatalog {
  /** The active versions with exactly this key, any channel or locale; empty = unknown key. */
  variants(key: string): Promise<TemplateVariant[]>;
  /**
   * Renders each item with the active version (BatchRenderTemplates), one outcome per item in
   * order. Rejects only when the template service cannot be asked (UnavailableError,
   * TimeoutError…).
   */
  tryRender(items: readonly TrialRender[]): Promise<TrialRenderOutcome[]>;
}
