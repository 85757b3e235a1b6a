/**
 * Site-wide context for the admin's layout (`site.context`), as Django's context processors,
 * but cached: a provider computes a value (e.g. the number of open tickets) at most once per
 * TTL in this process, however many staff load pages; concurrent loads share one computation.
 * Badge providers turn such values into the top bar's badges.
 */
import type { Logger } from "@weft/server";
import { checkPermission, hasPermission, type SessionUser } from "../auth/index.js";
import type { DashboardSite } from "./dashboard-site.js";
import type { WidgetStatus } from "../model/dashboard-widget.js";
import { adminError } from "../errors.js";

/** A site-wide value: how to compute it and how long a computed value stays fresh. */
export interface ContextProvider<T = unknown> {
  /** how long a computed value is reused, in ms (> 0) */
  ttlMs: number;
  /**
   * Computes the value (one cheap query, typically).
   * @throws anything: nothing is cached, the caller sees the error (a badge is left out and logged)
   */
  compute(site: DashboardSite): T | Promise<T>;
}

/** A badge of the top bar, made from a context value (see {@link SiteContext.badge}). */
export interface BadgeProvider<T = unknown> {
  /** the badge's text, e.g. "Open tickets" */
  label: string;
  /** where it links to */
  url: string;
  /** the name of the context provider whose value it shows */
  context: string;
  /** its colour: fixed, or from the value (default "info") */
  status?: WidgetStatus | ((value: T) => WidgetStatus | undefined);
  /** the shown text of the value (default: numbers grouped as `1,234`, strings as-is) */
  format?: (value: T) => string;
  /** leave the badge out for this value (default: leave it out for null/undefined) */
  hideWhen?: (value: T) => boolean;
  /** permission string(s) a user must hold (all) to get the badge */
  permissionRequired?: string | readonly string[];
  /** position among badges (default 50) */
  order?: number;
}

/** A badge as the shell renders it. */
export interface Badge {
  label: string;
  value: string;
  url: string;
  status: WidgetStatus;
}

/** Options of {@link SiteContext}. */
export interface SiteContextOptions {
  /** the clock in ms (for tests; default `Date.now`) */
  now?: () => number;
}

interface Entry {
  value?: unknown;
  expires: number;
  inflight?: Promise<unknown>;
}

const NAME = /^[A-Za-z][\w.-]{0,63}$/;

/**
 * The site's cached context providers and badge providers, available as `site.context`.
 * The cache is per process (each worker computes at most once per TTL).
 *
 * @example
 * site.context.provide("openTickets", { ttlMs: 30_000, compute: () => openTicketCount(db) });
 * site.context.badge({ label: "Open tickets", context: "openTickets", url: "/admin/support/ticket/?status__exact=open",
 *   status: (n: number) => (n > 1000 ? "warning" : "info"), permissionRequired: "support.view_ticket" });
 */
export class SiteContext {
  /** where failing badge providers are logged (the admin plugin sets fastify's logger) */
  log: Logger | null = null;
  private providers = new Map<string, ContextProvider>();
  private cache = new Map<string, Entry>();
  private badgeProviders: Array<BadgeProvider<any> & { seq: number }> = [];
  private readonly now: () => number;

  /**
   * @param site - the site the providers compute for (created by `AdminSite`'s constructor)
   * @param opts - see {@link SiteContextOptions}
   */
  constructor(
    private readonly site: DashboardSite,
    opts: SiteContextOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Registers a context provider.
   *
   * @param name - its name (letters, digits, `_ . -`; starts with a letter)
   * @param provider - see {@link ContextProvider}
   * @throws TypeError for a malformed name, TTL or compute; WeftAdminError `WEFT_ADMIN_ERR_CONTEXT_PROVIDER_TWICE` when the name is taken
   */
  provide<T>(name: string, provider: ContextProvider<T>): void {
    if (typeof name !== "string" || !NAME.test(name)) throw new TypeError(`weft admin: context provider name "${String(name)}" must be a letter then up to 63 letters, digits, "_", "." or "-"`);
    if (this.providers.has(name)) throw adminError("WEFT_ADMIN_ERR_CONTEXT_PROVIDER_TWICE", `weft admin: context provider "${name}" is registered twice: provide each name once`);
    if (!provider || typeof provider.compute !== "function") throw new TypeError(`weft admin: context provider "${name}" needs a compute(site) function`);
    if (typeof provider.ttlMs !== "number" || !(provider.ttlMs > 0) || !Number.isFinite(provider.ttlMs)) throw new TypeError(`weft admin: context provider "${name}": ttlMs must be a positive number of milliseconds`);
    this.providers.set(name, provider as ContextProvider);
  }

  /** The names of the registered providers. */
  names(): string[] {
    return [...this.providers.keys()];
  }

  /**
   * The provider's value: cached while fresh; otherwise computed once, shared by every caller
   * waiting meanwhile. A failed computation is not cached.
   *
   * @param name - a registered provider
   * @returns its value
   * @throws WeftAdminError `WEFT_ADMIN_ERR_UNKNOWN_CONTEXT_PROVIDER` for an unknown name; whatever `compute` throws
   */
  async get<T = unknown>(name: string): Promise<T> {
    const provider = this.providers.get(name);
    if (!provider) throw adminError("WEFT_ADMIN_ERR_UNKNOWN_CONTEXT_PROVIDER", `weft admin: no context provider "${name}": site.context.provide("${name}", …) first (known: ${[...this.providers.keys()].join(", ") || "none"})`);
    const hit = this.cache.get(name);
    if (hit && "value" in hit && hit.expires > this.now()) return hit.value as T;
    if (hit?.inflight) return hit.inflight as Promise<T>;
    const entry: Entry = hit ?? { expires: 0 };
    const run = Promise.resolve()
      .then(() => provider.compute(this.site))
      .then(
        (value) => {
          this.cache.set(name, { value, expires: this.now() + provider.ttlMs });
          return value;
        },
        (err: unknown) => {
          delete entry.inflight;
          throw err;
        },
      );
    entry.inflight = run;
    this.cache.set(name, entry);
    return run as Promise<T>;
  }

  /**
   * Forgets a cached value (e.g. after a write that changes it), so the next {@link get} computes.
   * @param name - a provider name (unknown names are ignored)
   */
  invalidate(name: string): void {
    const e = this.cache.get(name);
    if (e && !e.inflight) this.cache.delete(name);
    else if (e) e.expires = 0;
  }

  /**
   * Registers a badge for the top bar.
   *
   * @param badge - see {@link BadgeProvider}; its `context` may be provided later
   * @throws TypeError for a missing label, url or context name, or a malformed permission
   */
  badge<T>(badge: BadgeProvider<T>): void {
    if (!badge || typeof badge.label !== "string" || !badge.label.trim()) throw new TypeError("weft admin: a badge needs a label");
    if (typeof badge.url !== "string" || !badge.url) throw new TypeError(`weft admin: badge "${badge.label}" needs a url`);
    if (typeof badge.context !== "string" || !NAME.test(badge.context)) throw new TypeError(`weft admin: badge "${badge.label}" needs the name of a context provider`);
    for (const p of permList(badge.permissionRequired)) checkPermission(p);
    this.badgeProviders.push({ ...badge, seq: this.badgeProviders.length });
  }

  /**
   * The badges `user` gets, in `order`: each one's context value (cached), formatted. A badge
   * whose provider fails or is missing is left out and logged, never breaking the page.
   *
   * @param user - the staff user the page is for
   * @returns the badges for the shell's top bar
   */
  async badges(user: SessionUser | null): Promise<Badge[]> {
    if (!user?.isStaff) return [];
    const mine = this.badgeProviders
      .filter((b) => permList(b.permissionRequired).every((p) => hasPermission(user, p)))
      .sort((a, b) => (a.order ?? 50) - (b.order ?? 50) || a.seq - b.seq);
    const out = await Promise.all(
      mine.map(async (b): Promise<Badge | null> => {
        try {
          const value = await this.get(b.context);
          if (b.hideWhen ? b.hideWhen(value) : value === null || value === undefined) return null;
          const status = (typeof b.status === "function" ? b.status(value) : b.status) ?? "info";
          const text = b.format ? b.format(value) : typeof value === "number" ? value.toLocaleString("en-US") : String(value);
          return { label: b.label, value: text, url: b.url, status };
        } catch (err) {
          (this.log ?? console).error({ err, badge: b.label }, "weft admin: badge provider failed");
          return null;
        }
      }),
    );
    return out.filter((b): b is Badge => b !== null);
  }
}

function permList(p: string | readonly string[] | undefined): readonly string[] {
  return p === undefined ? [] : typeof p === "string" ? [p] : p;
}
