import { ValidationError } from '@notify/errors';
import { Liquid, LiquidError, Template } from 'liquidjs';
import { FormatError } from '../../domain/message-formatting';
import { SmsEncoding, measureSms } from '../../domain/sms-encoding';
import { Channel, Locale, TemplateRef, templateRefToString } from '../../domain/template-ref';
import { TemplateVariables } from '../../domain/template-variables';
import { TemplateVersion } from '../../domain/template-version';
import { LruCache } from './lru-cache';
import { MissingValue, createLiquidEngine } from './liquid-engine';

/** A template body that does not parse. `line` and `column` are 1-based positions in the body. */
export class TemplateSyntaxError extends ValidationError {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super('body', `does not parse at line ${line}, column ${column}: ${reason}`);
  }
}

/** Variables the template needs and the caller did not give; `missing` lists every one of them. */
export class MissingVariablesError extends ValidationError {
  constructor(
    readonly missing: readonly string[],
    field = 'variables',
  ) {
    super(field, `missing ${missing.length === 1 ? 'variable' : 'variables'}: ${missing.join(', ')}`);
  }
}

/** A parsed body: liquidjs templates plus the context variables it refers to (static analysis). */
export interface CompiledTemplate {
  readonly body: string;
  readonly templates: Template[];
  /** Top-level variable names the body refers to, in order of first use (optional ones too). */
  readonly variables: readonly string[];
}

/** The text of a message and, for SMS, how it travels. */
export interface RenderedText {
  readonly text: string;
  /**
   * WhatsApp: Unicode code points. SMS: length in the encoding's units, the way segments are
   * counted (GSM-7 septets with extension characters counting 2; UCS-2 UTF-16 code units,
   * an emoji 2).
   */
  readonly characters: number;
  /** SMS only. */
  readonly encoding?: SmsEncoding;
  /** SMS only: 160/153 septets (GSM-7) or 70/67 code units (UCS-2) per segment. */
  readonly segments?: number;
}

export interface TemplateRendererOptions {
  /** Compiled versions kept (LRU); default 1000. */
  readonly cacheSize?: number;
}

/**
 * Parses and renders template bodies with liquidjs in strict mode (see createLiquidEngine).
 * Compiled bodies are cached per (key, channel, locale, version) in an LRU; versions are
 * immutable, so an entry never goes stale (the body is still compared, so a reused version
 * number with another body, as in tests with fresh repositories, recompiles).
 */
export class TemplateRenderer {
  private readonly engines = new Map<string, Liquid>();
  private readonly cache: LruCache<string, CompiledTemplate>;
  private compilations = 0;

  constructor(options: TemplateRendererOptions = {}) {
    this.cache = new LruCache(options.cacheSize ?? 1000);
  }

  /** Number of parses done so far (cache misses and explicit compiles); for tests and metrics. */
  get compileCount(): number {
    return this.compilations;
  }

  /**
   * Parses `body` for the channel and locale of `ref`. Throws TemplateSyntaxError
   * (ValidationError on `body`, with line and column) when it does not parse, including an
   * unknown filter or tag (strict filters; file tags are not available).
   */
  compile(ref: Pick<TemplateRef, 'channel' | 'locale'>, body: string): CompiledTemplate {
    const engine = this.engine(ref.channel, ref.locale);
    this.compilations += 1;
    let templates: Template[];
    try {
      templates = engine.parse(body);
    } catch (err) {
      // A tag left open reads better said so than as liquidjs' error where the parse ran aground
      // (QA: `Halo {{ customer_name }, …` said 'expected "|" before filter').
      const parsed = toSyntaxError(err);
      const open = parsed instanceof TemplateSyntaxError && !parsed.reason.includes('not closed') ? unclosedTag(body) : null;
      if (open) throw new TemplateSyntaxError(open.line, open.column, `"${open.opener}" is not closed with "${open.closer}" before the next tag or the end of the text`);
      throw parsed;
    }
    let variables: string[];
    try {
      variables = engine.globalVariablesSync(templates);
    } catch {
      variables = [];
    }
    return { body, templates, variables };
  }

  /** The compiled form of a stored version, from the LRU cache or parsed now. */
  compiled(version: TemplateVersion): CompiledTemplate {
    const cacheKey = `${templateRefToString(version)}@${version.version}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.body === version.body) return hit;
    const compiled = this.compile(version, version.body);
    this.cache.set(cacheKey, compiled);
    return compiled;
  }

  /**
   * Renders a stored version with `variables`. Throws, all as ValidationError on `field`:
   * MissingVariablesError naming every variable the template needs and did not get (each
   * missing name is recorded, stood in for and the render retried until it passes, so the
   * list covers the branches the given values select); an unreadable value for a filter
   * (`datetime`, `rupiah`, …) with its line and column; any other render failure (time or
   * memory limit) with its line and column; a rendered text over the channel's
   * {@link MAX_MESSAGE_CHARACTERS}.
   */
  render(version: TemplateVersion, variables: TemplateVariables, field = 'variables'): RenderedText {
    return this.renderCompiled(version, this.compiled(version), variables, field);
  }

  /** As render, for a body that is not stored yet (upsert checks its sample variables this way). */
  renderCompiled(
    ref: Pick<TemplateRef, 'channel' | 'locale'>,
    compiled: CompiledTemplate,
    variables: TemplateVariables,
    field = 'variables',
  ): RenderedText {
    const engine = this.engine(ref.channel, ref.locale);
    let text: string;
    try {
      text = engine.renderSync(compiled.templates, variables) as string;
    } catch (err) {
      const missing = undefinedVariable(err);
      if (missing !== undefined) {
        throw new MissingVariablesError(collectMissing(engine, compiled, variables, missing), field);
      }
      throw toRenderValidationError(err, field);
    }
    const max = MAX_MESSAGE_CHARACTERS[ref.channel];
    // UTF-16 units ≥ code points: only a text longer than the limit in units needs counting.
    const characters = text.length > max ? Array.from(text).length : 0;
    if (characters > max) {
      throw new ValidationError(
        field,
        `the rendered ${ref.channel} message is ${characters} characters; one message holds at most ${max} (${MAX_MESSAGE_SOURCE[ref.channel]}): shorten the longest values`,
      );
    }
    return measure(text, ref.channel);
  }

  private engine(channel: Channel, locale: Locale): Liquid {
    const id = `${channel}/${locale}`;
    let engine = this.engines.get(id);
    if (!engine) {
      engine = createLiquidEngine(channel, locale);
      this.engines.set(id, engine);
    }
    return engine;
  }
}

/**
 * Longest rendered message per channel, in characters (code points): WhatsApp 4096 (the
 * WhatsApp Business text message body limit, which the gateways relay), SMS 1600 (Twilio's
 * `Body` limit, providers.md §3 "Body (≤1600 chars)"; a longer one is refused with 21617). A
 * render over it is a ValidationError, so a caller's oversized value is refused up front
 * instead of failing at every provider.
 */
export const MAX_MESSAGE_CHARACTERS: Readonly<Record<Channel, number>> = Object.freeze({ WHATSAPP: 4096, SMS: 1600 });
const MAX_MESSAGE_SOURCE: Readonly<Record<Channel, string>> = { WHATSAPP: 'WhatsApp text body limit', SMS: "Twilio's Body limit, 21617" };

/** Text plus the channel's length measures. */
export function measure(text: string, channel: Channel): RenderedText {
  if (channel === 'SMS') {
    const sms = measureSms(text);
    return { text, characters: sms.units, encoding: sms.encoding, segments: sms.segments };
  }
  return { text, characters: Array.from(text).length };
}

/**
 * Renders again and again, each time standing in a MissingValue for the variables found
 * missing so far, until the render passes, fails otherwise, or finds no new name (a field of
 * a loop item, which a top-level stand-in cannot reach). Bounded by the number of variables
 * the template refers to.
 */
function collectMissing(
  engine: Liquid,
  compiled: CompiledTemplate,
  variables: TemplateVariables,
  first: string,
): string[] {
  const missing = [first];
  let scope: Record<string, unknown> | undefined = withStandIn(variables, first);
  const maxRounds = compiled.variables.length + 32;
  for (let round = 0; scope && round < maxRounds; round++) {
    try {
      engine.renderSync(compiled.templates, scope);
      break;
    } catch (err) {
      const name = undefinedVariable(err);
      if (name === undefined || missing.includes(name)) break;
      missing.push(name);
      scope = withStandIn(scope, name);
    }
  }
  return missing;
}

/** A copy of `scope` with MissingValue at `path` (`a.b.c`), or undefined when a non-object is in the way. */
function withStandIn(scope: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return undefined;
  if (rest.length === 0) return { ...scope, [head]: new MissingValue() };
  const inner = scope[head];
  if (inner !== undefined && (typeof inner !== 'object' || inner === null || Array.isArray(inner))) return undefined;
  const replaced = withStandIn((inner ?? {}) as Record<string, unknown>, rest.join('.'));
  return replaced && { ...scope, [head]: replaced };
}

function undefinedVariable(err: unknown): string | undefined {
  if (err instanceof Error && err.name === 'UndefinedVariableError') {
    const original = (err as LiquidError & { originalError?: { variableName?: unknown } }).originalError;
    if (typeof original?.variableName === 'string') return original.variableName;
    const match = /^undefined variable: ([^,]+)/.exec(err.message);
    if (match) return match[1];
  }
  return undefined;
}

function position(err: unknown): [number, number] {
  const token = (err as { token?: { getPosition?: () => [number, number] } }).token;
  if (token?.getPosition) return token.getPosition();
  const match = /line:(\d+), col:(\d+)/.exec(err instanceof Error ? err.message : '');
  return match ? [Number(match[1]), Number(match[2])] : [1, 1];
}

/** liquidjs writes "reason, line:2, col:5"; keep the reason only. */
function reasonOf(err: unknown): string {
  const original = (err as { originalError?: unknown }).originalError;
  const message = original instanceof Error ? original.message : err instanceof Error ? err.message : String(err);
  return message.replace(/, line:\d+, col:\d+[\s\S]*$/, '');
}

/**
 * The first `{{` or `{%` whose `}}` / `%}` does not come before the next `{{` / `{%` (or the end
 * of the text), with its line and column (1-based); null when every tag is closed.
 */
export function unclosedTag(body: string): { line: number; column: number; opener: '{{' | '{%'; closer: '}}' | '%}' } | null {
  const opener = /\{\{|\{%/g;
  for (let m = opener.exec(body); m; m = opener.exec(body)) {
    const closer = m[0] === '{{' ? '}}' : '%}';
    const close = body.indexOf(closer, m.index + 2);
    const nextOpen = body.slice(m.index + 2).search(/\{\{|\{%/);
    const next = nextOpen < 0 ? -1 : m.index + 2 + nextOpen;
    if (close < 0 || (next >= 0 && next < close)) {
      const before = body.slice(0, m.index).split('\n');
      return { line: before.length, column: before[before.length - 1]!.length + 1, opener: m[0] as '{{' | '{%', closer };
    }
    opener.lastIndex = close + 2;
  }
  return null;
}

function toSyntaxError(err: unknown): Error {
  if (!LiquidError.is(err)) return err instanceof Error ? err : new Error(String(err));
  const [line, column] = position(err);
  return new TemplateSyntaxError(line, column, reasonOf(err));
}

function toRenderValidationError(err: unknown, field: string): Error {
  if (!LiquidError.is(err)) return err instanceof Error ? err : new Error(String(err));
  const [line, column] = position(err);
  const original = (err as { originalError?: unknown }).originalError;
  const filter = (err as { token?: { getText?: () => string } }).token?.getText?.();
  if (original instanceof FormatError) {
    return new ValidationError(field, `a value in ${filter ?? 'an output'} at line ${line}, column ${column}: ${original.message}`);
  }
  return new ValidationError(field, `the template cannot be rendered at line ${line}, column ${column}: ${reasonOf(err)}`);
}
