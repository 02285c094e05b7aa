/** The template service as campaigns use it (gRPC adapter in infrastructure/clients). */
export interface TemplateCatalog {
  /** True when an active template with exactly this key exists (any channel or locale). */
  templateExists(key: string): Promise<boolean>;
}
