/**
 * The admin's start-up checks (runChecks): each finding's id, level, and a message naming the
 * admin and the slot or action at fault; a good configuration passes; the admin plugin runs
 * them at install (errors stop it, warnings are logged).
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { AdminSite, adminPlugin, withProgress, type AdminAction } from "../src/index.js";
import { formatCheck, formatReport, isLiveViewClass, runChecks, SystemCheckError, type CheckMessage } from "../src/checks/index.js";
import { LiveView, weft, type LiveViewClass } from "@weft/server";
import { MemoryChannelLayer, RedisChannelLayer } from "@weft/server/pubsub";
import { SECRET } from "../../server/test/helpers.js";

const orders = sqliteTable("orders", { id: integer("id").primaryKey(), number: text("number").notNull() });
const products = sqliteTable("products", { id: integer("id").primaryKey(), sku: text("sku").notNull() });

function newSite() {
  const sqlite = new Database(":memory:");
  sqlite.exec("create table orders (id integer primary key, number text not null); create table products (id integer primary key, sku text not null);");
  return new AdminSite({ db: drizzle(sqlite), sqlite });
}

/** A well-formed widget: label, size, permission. */
class Revenue extends LiveView<{ n: number }> {
  static label = "Today's revenue";
  static size = "sm" as const;
  static permissionRequired = "shop.view_order";
  mount() {
    return { n: 1 };
  }
  render() {
    return "<p>revenue</p>";
  }
}
class Activity extends LiveView {
  static size = "lg" as const;
  mount() {}
  render() {
    return "<p>activity</p>";
  }
}
/** Looks like a widget, is not a LiveView. */
class NotAView {
  static label = "Oops";
  mount() {}
}

const refund: AdminAction = withProgress({ name: "refund", label: "Refund selected orders" }, async () => {});
const plain: AdminAction = { name: "mark", label: "Mark", run: () => "done" };

/** A layer shared by processes, without connecting anywhere (lazyConnect). */
const redis = new RedisChannelLayer({ host: "127.0.0.1", port: 1, lazyConnect: true });
afterAll(() => redis.close());

const ids = (ms: CheckMessage[]) => ms.map((m) => m.id);

describe("runChecks", () => {
  it("passes a good configuration: LiveView widgets with valid metadata, one worker or a shared layer", () => {
    const site = newSite();
    site.register(orders, { app: "shop", changeListWidgets: [Revenue], changeFormWidgets: [Activity], actions: [refund, plain] });
    site.register(products, { app: "inventory", changeListWidgets: [Revenue] });
    expect(runChecks(site)).toEqual([]);
    expect(runChecks(site, { workers: 1, pubsub: new MemoryChannelLayer() })).toEqual([]);
    expect(runChecks(site, { workers: 8, pubsub: redis })).toEqual([]);
    expect(formatReport([])).toBe("System check identified no issues.");
  });

  it("weft.E001: a class in changeListWidgets that is not a LiveView, naming the admin and the slot", () => {
    const site = newSite();
    site.register(orders, { app: "shop", changeListWidgets: [Revenue, NotAView as unknown as LiveViewClass] });
    const [m, ...rest] = runChecks(site);
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ id: "weft.E001", level: "error", obj: "ModelAdmin(shop.order)" });
    expect(m.message).toBe("changeListWidgets[1] of ModelAdmin(shop.order) is NotAView, which is not a LiveView or LiveComponent subclass.");
    expect(m.hint).toContain("class NotAView extends LiveView");
    expect(formatCheck(m)).toBe(`ModelAdmin(shop.order): (weft.E001) ${m.message}\n\tHINT: ${m.hint}`);
  });

  it("weft.E001 in changeFormWidgets too, for objects, strings and arrow functions", () => {
    const site = newSite();
    site.register(products, {
      app: "inventory",
      name: "product",
      changeFormWidgets: [{ mount() {} } as unknown as LiveViewClass, "Activity" as unknown as LiveViewClass, (() => "x") as unknown as LiveViewClass, Activity],
    });
    const found = runChecks(site);
    expect(ids(found)).toEqual(["weft.E001", "weft.E001", "weft.E001"]);
    expect(found.map((m) => m.message)).toEqual([
      "changeFormWidgets[0] of ModelAdmin(inventory.product) is an object, which is not a LiveView or LiveComponent subclass.",
      'changeFormWidgets[1] of ModelAdmin(inventory.product) is the string "Activity", which is not a LiveView or LiveComponent subclass.',
      "changeFormWidgets[2] of ModelAdmin(inventory.product) is an anonymous function, which is not a LiveView or LiveComponent subclass.",
    ]);
    for (const m of found) expect(m.hint).toContain("params.objectId");
  });

  it("weft.E002: a widget class's size, label or permissionRequired is malformed", () => {
    class Big extends Activity {
      static size = "xl" as unknown as "lg";
    }
    class Perms extends Activity {
      static permissionRequired = ["shop.view_order", 42] as unknown as string[];
      static label = "";
    }
    const site = newSite();
    site.register(orders, { app: "shop", changeListWidgets: [Big], changeFormWidgets: [Perms] });
    const found = runChecks(site);
    expect(ids(found)).toEqual(["weft.E002", "weft.E002", "weft.E002"]);
    expect(found.every((m) => m.level === "error" && m.obj === "ModelAdmin(shop.order)")).toBe(true);
    expect(found[0].message).toBe('changeListWidgets[0] of ModelAdmin(shop.order) (Big): static size is "xl", not one of "sm", "md", "lg".');
    expect(found[1].message).toBe("changeFormWidgets[0] of ModelAdmin(shop.order) (Perms): static label is not a non-empty string.");
    expect(found[2].message).toContain("changeFormWidgets[0] of ModelAdmin(shop.order) (Perms): static permissionRequired is not a permission string");
  });

  it("weft.W001: several workers on the in-memory channel layer (given, or the default)", () => {
    const site = newSite();
    site.register(orders, { app: "shop" });
    for (const pubsub of [undefined, new MemoryChannelLayer()]) {
      const [w, ...rest] = runChecks(site, { workers: 4, pubsub });
      expect(rest).toEqual([]);
      expect(w).toMatchObject({ id: "weft.W001", level: "warning", obj: null });
      expect(w.message).toBe("4 workers use the in-memory channel layer: a publish only reaches pages served by the worker that made it, so live updates are lost on the other 3 workers.");
      expect(w.hint).toContain("RedisChannelLayer");
    }
    expect(runChecks(site, { workers: 4, pubsub: redis })).toEqual([]);
  });

  it("weft.E003: a progress action (withProgress) on the in-memory layer with several workers, naming the admin and the action", () => {
    const site = newSite();
    site.register(orders, { app: "shop", actions: [plain, refund] });
    expect(runChecks(site, { workers: 1 })).toEqual([]);
    const found = runChecks(site, { workers: 2 });
    expect(ids(found)).toEqual(["weft.E003", "weft.W001"]); // errors first
    expect(found[0]).toMatchObject({ level: "error", obj: "ModelAdmin(shop.order)" });
    expect(found[0].message).toBe(
      'action "refund" of ModelAdmin(shop.order) is a progress action, but the 2 workers use the in-memory channel layer: its job record, progress page and Cancel would exist only on the worker that started it.',
    );
    // a plain action is never flagged, and a shared layer is fine
    expect(runChecks(site, { workers: 2, pubsub: redis })).toEqual([]);
  });

  it("silenced ids are left out; the report groups errors and warnings", () => {
    const site = newSite();
    site.register(orders, { app: "shop", changeListWidgets: [NotAView as unknown as LiveViewClass], actions: [refund] });
    const all = runChecks(site, { workers: 3 });
    expect(ids(all)).toEqual(["weft.E001", "weft.E003", "weft.W001"]);
    expect(ids(runChecks(site, { workers: 3, silenced: ["weft.W001", "weft.E003"] }))).toEqual(["weft.E001"]);
    const report = formatReport(all);
    expect(report).toMatch(/^ERRORS:\nModelAdmin\(shop\.order\): \(weft\.E001\)/);
    expect(report).toContain("\nWARNINGS:\n(weft.W001) 3 workers");
    expect(report.endsWith("System check identified 3 issues.")).toBe(true);
  });

  it("isLiveViewClass: subclasses only", () => {
    expect(isLiveViewClass(Revenue)).toBe(true);
    expect(isLiveViewClass(NotAView)).toBe(false);
    expect(isLiveViewClass(LiveView)).toBe(false); // the abstract base is not a widget
    expect(isLiveViewClass({})).toBe(false);
  });
});

describe("the admin plugin runs the checks at install", () => {
  async function install(site: AdminSite, checks?: false | { workers?: number }) {
    const warnings: string[] = [];
    const app = Fastify({ logger: false });
    app.log.warn = ((_obj: unknown, msg?: string) => void warnings.push(String(msg))) as typeof app.log.warn;
    await app.register(weft, { secret: SECRET, sessions: site.sessions });
    await app.register(adminPlugin, { site, checks });
    return { app, warnings };
  }

  it("an error stops the install with a SystemCheckError listing the findings", async () => {
    const site = newSite();
    site.register(orders, { app: "shop", changeListWidgets: [NotAView as unknown as LiveViewClass] });
    const err = await install(site).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SystemCheckError);
    expect((err as SystemCheckError).messages.map((m) => m.id)).toEqual(["weft.E001"]);
    expect((err as Error).message).toContain("ModelAdmin(shop.order): (weft.E001) changeListWidgets[0] of ModelAdmin(shop.order) is NotAView");
  });

  it("warnings are logged and the site starts; checks: false skips them", async () => {
    const site = newSite();
    site.register(orders, { app: "shop", changeListWidgets: [Revenue] });
    const a = await install(site, { workers: 2 });
    expect(a.warnings.some((w) => w.includes("2 workers use the in-memory channel layer"))).toBe(true);
    await a.app.close();
    const bad = newSite();
    bad.register(orders, { app: "shop", changeListWidgets: [NotAView as unknown as LiveViewClass] });
    const b = await install(bad, false);
    expect(b.warnings).toEqual([]);
    await b.app.close();
  });
});
