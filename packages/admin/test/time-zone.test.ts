/**
 * One site-wide time zone (`display.timeZone`): the wall-clock helpers (DST gaps and overlaps),
 * the change form's datetime inputs and read-only values, the list filters' ranges, and the
 * default (UTC) unchanged.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { formatInZone, fromWallTime, wallTime } from "../src/query/time-zone.js";
import { dateRange } from "../src/query/index.js";
import { formSpec } from "../src/changeform/fields.js";
import { fromFormValue, toFormValue } from "../src/changeform/coerce.js";
import { displayValue } from "../src/changeform/present.js";

describe("wall-clock time in a zone", () => {
  it("round-trips, and handles the spring gap and the autumn overlap of Europe/Paris", () => {
    const d = new Date("2025-06-15T23:30:05Z");
    expect(wallTime(d)).toBe("2025-06-15T23:30:05");
    expect(wallTime(d, "Europe/Paris")).toBe("2025-06-16T01:30:05");
    expect(wallTime(d, "America/New_York")).toBe("2025-06-15T19:30:05");
    expect(fromWallTime([2025, 6, 16, 1, 30, 5], "Europe/Paris").toISOString()).toBe("2025-06-15T23:30:05.000Z");
    expect(fromWallTime([2025, 1, 15, 12, 0, 0], "Europe/Paris").toISOString()).toBe("2025-01-15T11:00:00.000Z");
    // 2025-03-30 02:30 does not exist in Paris (02:00 → 03:00): the instant after the gap
    expect(wallTime(fromWallTime([2025, 3, 30, 2, 30, 0], "Europe/Paris"), "Europe/Paris")).toBe("2025-03-30T03:30:00");
    // 2025-10-26 02:30 happens twice: the earlier one (still summer time, +02:00)
    expect(fromWallTime([2025, 10, 26, 2, 30, 0], "Europe/Paris").toISOString()).toBe("2025-10-26T00:30:00.000Z");
    expect(formatInZone(d, "Europe/Paris")).toBe("2025-06-16 01:30:05 Europe/Paris");
    expect(formatInZone(d, "UTC", true)).toBe("2025-06-15 23:30 UTC");
  });

  it("list filters count today, this month and this year from the zone's midnights", () => {
    const now = new Date("2025-06-15T23:30:00Z"); // already the 16th in Paris
    expect(dateRange("today", now, "UTC").map((x) => x.toISOString())).toEqual(["2025-06-15T00:00:00.000Z", "2025-06-16T00:00:00.000Z"]);
    expect(dateRange("today", now, "Europe/Paris").map((x) => x.toISOString())).toEqual(["2025-06-15T22:00:00.000Z", "2025-06-16T22:00:00.000Z"]);
    expect(dateRange("past_7_days", now, "Europe/Paris")[0].toISOString()).toBe("2025-06-08T22:00:00.000Z");
    expect(dateRange("this_month", new Date("2025-12-31T23:30:00Z"), "Europe/Paris").map((x) => x.toISOString())).toEqual(["2025-12-31T23:00:00.000Z", "2026-01-31T23:00:00.000Z"]);
    expect(dateRange("this_year", now, "America/New_York").map((x) => x.toISOString())).toEqual(["2025-01-01T05:00:00.000Z", "2026-01-01T05:00:00.000Z"]);
  });
});

const events = sqliteTable("events", { id: integer("id").primaryKey(), at: integer("at", { mode: "timestamp_ms" }).notNull() });

function formField(timeZone?: string) {
  const sqlite = new Database(":memory:");
  sqlite.exec("create table events (id integer primary key, at integer not null)");
  const site = new AdminSite({ db: drizzle(sqlite), sqlite, ...(timeZone ? { display: { timeZone } } : {}) });
  const admin = site.register(events, { app: "cal" });
  return formSpec(site, admin).byKey.get("at")!;
}

describe("the change form's dates", () => {
  const at = new Date("2025-06-15T23:30:05Z");

  it("are shown and typed in the site's zone", () => {
    const f = formField("Europe/Paris");
    expect(toFormValue(f, at)).toBe("2025-06-16T01:30:05");
    expect(fromFormValue(f, "2025-06-16T01:30:05", "change")).toEqual({ ok: true, value: at });
    expect(displayValue(f, at)).toBe("2025-06-16 01:30:05 Europe/Paris");
    // an audit value (ISO string) reads in the same zone
    expect(displayValue(f, at.toISOString())).toBe("2025-06-16 01:30:05 Europe/Paris");
    expect(fromFormValue(f, "2025-02-30T10:00", "change")).toEqual({ ok: false, error: "Enter a valid date/time." });
  });

  it("default to UTC", () => {
    const f = formField();
    expect(toFormValue(f, at)).toBe("2025-06-15T23:30:05");
    expect(fromFormValue(f, "2025-06-15T23:30:05", "change")).toEqual({ ok: true, value: at });
    expect(displayValue(f, at)).toBe("2025-06-15 23:30:05 UTC");
  });
});
