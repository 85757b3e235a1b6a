/** The change list's confirmation question and which actions ask (pure functions). */
import { describe, expect, it } from "vitest";
import { asksFirst, confirmDetail, confirmQuestion } from "../src/changelist/confirm.js";
import type { RunnableAction } from "../src/changelist/actions.js";
import type { ModelAdmin } from "../src/model/model-admin.js";

const admin = { verboseName: "Order", verboseNamePlural: "Orders" } as unknown as ModelAdmin<any, any>;
const custom = (label: string, extra: object = {}): RunnableAction => ({ kind: "custom", name: "x", label, action: { name: "x", label, run: () => undefined, ...extra } });

describe("confirmation before bulk actions", () => {
  it("names the count in the action's words", () => {
    expect(confirmQuestion(custom("Refund selected orders"), 856, admin)).toBe("Refund 856 orders?");
    expect(confirmQuestion(custom("Mark selected orders as shipped"), 3, admin)).toBe("Mark 3 orders as shipped?");
    expect(confirmQuestion(custom("Finalize orders"), 1, admin)).toBe("Finalize 1 order?");
    expect(confirmQuestion(custom("Sync with vendor"), 1945, admin)).toBe("Sync with vendor: 1,945 orders?");
    expect(confirmQuestion({ kind: "delete", name: "delete_selected", label: "Delete selected orders" }, 2, admin)).toBe("Delete 2 orders?");
  });

  it("asks for every action that changes data, not for read-only ones", () => {
    expect(asksFirst(custom("Refund selected orders"))).toBe(true);
    expect(asksFirst(custom("Export selected orders", { changesData: false }))).toBe(false);
    expect(asksFirst(custom("Export", { changesData: false, confirm: "Sure?" }))).toBe(true);
    expect(asksFirst({ kind: "delete", name: "delete_selected", label: "Delete" })).toBe(true);
  });

  it("says when all matching rows are selected", () => {
    expect(confirmDetail(custom("Refund selected orders"), 856, true, admin)).toBe("All 856 orders matching the search and filters are selected. This changes the selected records.");
    expect(confirmDetail(custom("Refund selected orders", { confirm: "Paid ones get their money back." }), 2, false, admin)).toBe("Paid ones get their money back.");
  });
});
