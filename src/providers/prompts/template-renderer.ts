/**
 * LiquidJS, configured for templates written by users of the library: no file system (templates
 * come only from the database; `include`, `render` and `layout` are refused when the template is
 * parsed), no prototype access, strict variables (a typo in a variable name is an error, not an empty
 * string; `if` and `default` stay lenient so optional arguments can be tested), and limits on the
 * template size, render time, allocations and output size.
 */
import { Context, Liquid, Tag, toPromise, type Emitter, type TagToken, type TopLevelToken } from 'liquidjs';
import { PorticoError } from '../../core/errors.js';

export interface RenderLimits {
  readonly maxTemplateBytes: number;
  readonly maxOutputBytes: number;
  readonly renderTimeoutMs: number;
  readonly maxRenderMemory: number;
}

export interface TemplateRenderer {
  /** Parse a body; throws `validation_failed` with the parser's message (line and column) if invalid. */
  check(body: string): void;
  /** Render a body with variables; throws `validation_failed` or `render_limit_exceeded`. */
  render(body: string, variables: Record<string, unknown>): Promise<string>;
}

/** Tags that read other templates: there are none to read, and no file system to reach. */
const REFUSED_TAGS = ['include', 'render', 'layout'] as const;

function refusedTag(name: string) {
  return class extends Tag {
    constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
      super(token, remainTokens, liquid);
      throw new Error(`{% ${name} %} is not available in prompt templates`);
    }
    *render(): Generator<unknown, void, unknown> {
      // Never reached: the constructor refuses the tag while parsing.
    }
  };
}

class OutputLimit extends Error {
  constructor(readonly limit: number) {
    super(`output limit exceeded`);
  }
}

/**
 * Collects the output and stops the render the moment it grows past the limit (LiquidJS's own
 * limits count allocations, not output, so a long loop could otherwise build a huge string).
 */
class BoundedEmitter implements Emitter {
  buffer = '';
  constructor(private readonly limit: number) {}
  write(html: unknown): void {
    const text = typeof html === 'string' ? html : html === null || html === undefined ? '' : typeof html === 'object' ? JSON.stringify(html) : String(html as string | number | boolean);
    if (this.buffer.length + text.length > this.limit) throw new OutputLimit(this.limit);
    this.buffer += text;
  }
}

/** An error and the errors LiquidJS wrapped it in, innermost last. */
function causes(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 10; e = (e as { originalError?: unknown }).originalError) chain.push(e);
  return chain;
}

function isLimitError(err: unknown): boolean {
  return causes(err).some((e) => /limit exceeded/.test(e.message));
}

/** The first line of a LiquidJS message (the rest repeats the template around the error). */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 500);
}

export function createTemplateRenderer(limits: RenderLimits): TemplateRenderer {
  const liquid = new Liquid({
    // An empty in-memory template map: nothing is ever looked up on disk.
    templates: {},
    strictFilters: true,
    strictVariables: true,
    lenientIf: true,
    ownPropertyOnly: true,
    parseLimit: limits.maxTemplateBytes,
    renderLimit: limits.renderTimeoutMs,
    memoryLimit: limits.maxRenderMemory,
    // Compiled templates are cached by the library per (name, version), not by source here.
    cache: false,
  });
  for (const name of REFUSED_TAGS) liquid.registerTag(name, refusedTag(name));

  // Parsed templates by body: rendering the same version repeatedly skips the parser.
  const parsed = new Map<string, ReturnType<Liquid['parse']>>();
  const MAX_PARSED = 500;

  function parse(body: string): ReturnType<Liquid['parse']> {
    let hit = parsed.get(body);
    if (hit) return hit;
    if (body.length > limits.maxTemplateBytes) {
      throw new PorticoError('validation_failed', `The template is longer than ${limits.maxTemplateBytes} characters.`);
    }
    try {
      hit = liquid.parse(body);
    } catch (err) {
      throw new PorticoError('validation_failed', `The template does not parse: ${firstLine(err)}`);
    }
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(body, hit);
    return hit;
  }

  return {
    check(body) {
      parse(body);
    },
    async render(body, variables) {
      const template = parse(body);
      const emitter = new BoundedEmitter(limits.maxOutputBytes);
      try {
        // A fresh context per render: the time and memory budgets start now.
        const ctx = new Context(variables, liquid.options, {});
        await toPromise(liquid.renderer.renderTemplates(template, ctx, emitter));
      } catch (err) {
        if (causes(err).some((e) => e instanceof OutputLimit)) {
          throw new PorticoError('render_limit_exceeded', `The rendered text is longer than ${limits.maxOutputBytes} characters.`, { details: { limit: limits.maxOutputBytes } });
        }
        if (isLimitError(err)) throw new PorticoError('render_limit_exceeded', `Rendering stopped: ${firstLine(err)}.`);
        throw new PorticoError('validation_failed', `The template could not be rendered: ${firstLine(err)}`);
      }
      return emitter.buffer;
    },
  };
}
