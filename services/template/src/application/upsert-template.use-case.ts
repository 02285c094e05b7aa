import { ValidationError } from '@notify/errors';
import { TemplateRef, parseTemplateRef } from '../domain/template-ref';
import type { TemplateVariables } from '../domain/template-variables';
import {
  TemplateHead,
  TemplateVersion,
  hasSameContent,
  planActivation,
  planNewVersion,
  validateDraft,
} from '../domain/template-version';
import { Clock, systemClock } from './ports/clock';
import { TemplateRepository } from './ports/template.repository';
import { CompiledTemplate, MissingVariablesError, TemplateRenderer } from './rendering/template-renderer';

export interface UpsertTemplateInput {
  readonly key: string;
  /** `WHATSAPP` or `SMS`. */
  readonly channel: string;
  /** `id` (default when empty) or `en`. */
  readonly locale?: string;
  /** Liquid source. */
  readonly body: string;
  /** Values the body must render with (PreviewTemplate uses them). */
  readonly sampleVariables?: unknown;
  readonly description?: string;
  /** Make the new version the active one. The first version of a template is always active. */
  readonly activate?: boolean;
  /** Who makes the change (recorded as created_by / activated_by). */
  readonly actor: string;
  /** Store a body that uses variables the key's events do not carry (see {@link SuppliedVariables}). */
  readonly allowUnsuppliedVariables?: boolean;
}

/**
 * The variables the notifications rendering `key` carry and the events they come from, or
 * undefined when no event renders the key (API-sent templates: the caller gives the variables).
 */
export type SuppliedVariables = (key: string) => { readonly events: readonly string[]; readonly variables: ReadonlySet<string> } | undefined;

export interface UpsertTemplateResult {
  /** The new version, or the latest one when it already had this exact content. */
  readonly version: TemplateVersion;
  readonly head: TemplateHead;
  /** False when nothing new was stored (same content as the latest version; retry-safe). */
  readonly created: boolean;
  /** Top-level variables the body refers to. */
  readonly variables: readonly string[];
}

/**
 * UpsertTemplate: stores a new immutable version of (key, channel, locale).
 *
 * Checks, each a ValidationError naming the field: `key` (lower-case dot-separated
 * segments), `channel`, `locale`, `body` (non-blank, at most 16 000 characters, parses as
 * Liquid: TemplateSyntaxError with line and column; unknown filters and tags are parse
 * errors), `description`, `created_by`, `sample_variables` (a JSON-like object with which
 * the body renders: MissingVariablesError lists every missing name), and for a key the events
 * render (`supplied`) that the body uses only variables they carry: a ValidationError on `body`
 * naming the others, the events and the variables there are, unless `allowUnsuppliedVariables`
 * (QA: an edit using `{{ cs_phone }}` was stored and every customer was then left out of the
 * ticket's message, silently). Empty sample variables
 * (absent or `{}`) or an empty description on a template that has versions take the latest
 * version's: an edit of the text alone sends the body only (a new variable still needs a sample).
 *
 * Idempotent: when the latest version already has the same body, sample variables and
 * description, no version is added (`created: false`); with `activate` it is made active.
 * A concurrent writer that stored the same version number first makes this throw
 * ConflictError (ABORTED); the caller may retry.
 */
export class UpsertTemplate {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly renderer: TemplateRenderer,
    private readonly clock: Clock = systemClock,
    private readonly supplied: SuppliedVariables = () => undefined,
  ) {}

  async execute(input: UpsertTemplateInput): Promise<UpsertTemplateResult> {
    const ref: TemplateRef = parseTemplateRef(input);
    const head = await this.repository.findHead(ref);
    const latest = head ? await this.repository.findVersion(ref, head.latestVersion) : null;
    // An edit of the text alone keeps the latest version's samples and description (QA: a body
    // change was refused until every sample was sent again).
    const draft = validateDraft({
      body: input.body,
      sampleVariables: isEmptyObject(input.sampleVariables) && latest ? latest.sampleVariables : input.sampleVariables,
      description: !input.description?.trim() && latest ? latest.description : input.description,
      createdBy: input.actor,
    });
    const compiled = this.renderer.compile(ref, draft.body);
    // What the events do not carry first: a missing sample for such a variable is not the point (QA).
    if (!input.allowUnsuppliedVariables) this.checkSupplied(ref, compiled, draft.sampleVariables);
    this.renderer.renderCompiled(ref, compiled, draft.sampleVariables, 'sample_variables');

    const now = this.clock.now();
    if (head) {
      if (latest && hasSameContent(latest, draft)) {
        if (!input.activate) return { version: latest, head, created: false, variables: compiled.variables };
        const activation = planActivation(head, latest.version, draft.createdBy, now);
        if (activation.changed) await this.repository.saveHead(activation.head);
        return { version: latest, head: activation.head, created: false, variables: compiled.variables };
      }
    }
    const planned = planNewVersion(ref, head, draft, now, input.activate ?? false);
    await this.repository.appendVersion(planned.version, planned.head);
    return { version: planned.version, head: planned.head, created: true, variables: compiled.variables };
  }

  /**
   * Refuses a body that needs variables the events rendering the key do not carry (see the class
   * comment): rendered with the samples of the variables they carry only, as an event would fill
   * it, it must not miss any. A variable only used where the events' values leave it out
   * (`{% if rating %}…{{ rating }}…{% endif %}`) does not stop it.
   */
  private checkSupplied(ref: TemplateRef, compiled: CompiledTemplate, samples: TemplateVariables): void {
    const supplied = this.supplied(ref.key);
    if (!supplied) return;
    const unknown = compiled.variables.filter((v) => !supplied.variables.has(v));
    if (unknown.length === 0) return;
    const asAnEvent = Object.fromEntries(Object.entries(samples).filter(([k]) => supplied.variables.has(k))) as TemplateVariables;
    try {
      this.renderer.renderCompiled(ref, compiled, asAnEvent, 'body');
      return;
    } catch (err) {
      // Only a variable the events do not carry stops it here; a sample missing for one they do
      // carry, or another render error, is the sample check's to report.
      if (!(err instanceof MissingVariablesError) || err.missing.every((v) => supplied.variables.has(v.split('.')[0]!))) return;
    }
    const key = ref.key;
    const names = unknown.map((v) => `{{ ${v} }}`).join(', ');
    throw new ValidationError(
      'body',
      `uses ${names}, which the events rendering ${key} (${supplied.events.join(', ')}) do not carry: those messages could not be rendered ` +
        `and their recipients would be left out. Variables they carry: ${[...supplied.variables].sort().join(', ')}. ` +
        'To store it anyway (a Notify caller passes it), set allow_unsupplied_variables',
    );
  }
}

/** Absent, or an object with no keys (proto's empty Struct). */
function isEmptyObject(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
}
