// The live change list on both engines (SQLite, PostgreSQL): a write made outside the admin and
// published on the model's topic updates a shown row in place; a new matching row is counted,
// not inserted; a deleted row leaves. The re-read is `fetchByIds(ids, state)` on the engine.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { AdminSite } from "../src/index.js";
import { ChangeListView } from "../src/changelist/view.js";
import { LIVE_LIST } from "../src/changelist/live.js";
import type { Client } from "../../server/test/helpers.js";
import { loginOnce, openView, startAdmin } from "./support.js";
import { ENGINES, N_ORDERS, openShop, type Shop } from "./support/engines.js";

const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1]));
const rowOf = (html: string, pk: number) => new RegExp(`<tr data-pk="${pk}"[^>]*>[\\s\\S]*?</tr>`).exec(html)?.[0] ?? "";

describe.each(ENGINES)("the live change list on %s", (engine) => {
  let shop: Shop;
  let app: FastifyInstance | undefined;
  let base = "";
  const sockets: Client[] = [];
  const pubsub = new MemoryChannelLayer();
  const saved = ChangeListView.live;

  beforeAll(async () => {
    ChangeListView.live = { ...LIVE_LIST, throttleMs: 100, fadeMs: 50 };
    shop = await openShop(engine);
    const site = new AdminSite({ db: shop.db });
    site.register(shop.orders, { app: "shop", name: "order", listDisplay: ["number", "status"], listFilter: ["status"], ordering: ["-id"], listPerPage: 10 });
    await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    ({ app, base } = await startAdmin(site, { pubsub }));
  }, 60_000);

  afterAll(async () => {
    ChangeListView.live = saved;
    for (const s of sockets) s.close();
    await app?.close();
    await shop?.close();
  });

  const login = loginOnce(() => base);

  it("updates a shown row in place, counts a new matching row, drops a deleted one", async () => {
    const { c } = await openView(await login("root"), `${base}/admin/shop/order/?status__exact=paid`, "admin-changelist", { ref: 1, sockets });
    const html = () => c.html.get(1)!;
    const [top, second] = pksIn(html());
    await shop.exec(`update orders set number = 'RENAMED-${top}' where id = ${top}`);
    await pubsub.publish("orders", { type: "order.changed", id: top });
    await c.until(() => rowOf(html(), top!).includes(`RENAMED-${top}`), "the renamed row");
    expect(rowOf(html(), top!)).toMatch(/cl-hl[01]/);

    const id = N_ORDERS + 5000;
    const ts = engine === "sqlite" ? String(Date.now()) : "now()";
    const gift = engine === "sqlite" ? "0" : "false";
    await shop.exec(`insert into orders (id, number, customer_id, status, total_cents, is_gift, created_at) values (${id + 1}, 'N1', 1, 'pending', 100, ${gift}, ${ts}), (${id}, 'N2', 1, 'paid', 100, ${gift}, ${ts})`);
    await pubsub.publish("orders", { type: "order.created", id: id + 1 });
    await pubsub.publish("orders", { type: "order.created", id });
    await c.until(() => html().includes("1 new order — show"), "one new paid order counted");
    expect(pksIn(html())).not.toContain(id);

    await shop.exec(`delete from orders where id = ${second}`);
    await pubsub.publish("orders", { type: "order.deleted", id: second });
    await c.until(() => !pksIn(html()).includes(second!), "the deleted row gone");
  });
});
