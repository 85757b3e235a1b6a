// LiveComponents and async assigns in real Chromium, through examples/hello's /tallies page: a
// component's own button (lv-target) changes only that component, the event frame carries the
// target, a component keeps its state when the page passes it new props; the page's forecast
// (assignAsync) shows its loading state, does not hold up events, and is aborted when the page
// is left. The app runs in-process, with a forecast lookup the test controls.
import { describe, expect, it } from "vitest";
import { useHelloApp } from "./support/hello.js";
import { markDocument } from "./support/browser.js";
import { openLive } from "./support/live.js";
import { until } from "./support/browser.js";

/** Every forecast lookup the app started: the test answers it (or sees it aborted). */
const lookups: Array<{ signal: AbortSignal; answer: (text: string) => void }> = [];
const forecast = (signal: AbortSignal) => new Promise<string>((answer, fail) => {
  lookups.push({ signal, answer });
  signal.addEventListener("abort", () => fail(signal.reason));
});

const hello = useHelloApp("components-e2e-secret-0123456789-abcdef", { forecast });

describe("LiveComponents in the browser", () => {
  it("renders components before JavaScript runs", async () => {
    const html = await (await fetch(`${hello.base}/tallies`)).text();
    expect(html).toContain('<p id="tally-apples"><span class="label">apples</span>: <b>0</b>');
    expect(html).toContain('<button type="button" lv-click="add" lv-target="pears">+1</button>');
  });

  it("a click with lv-target reaches that component only; it keeps its count through a props update", async () => {
    const ctx = await hello.browser.newContext();
    const { page, frames } = await openLive(ctx, `${hello.base}/tallies`);
    await until(() => lookups.length > 0, "the forecast lookup");
    lookups.at(-1)!.answer("cloudy");
    const same = await markDocument(page);
    const apples = page.locator("#tally-apples");
    const pears = page.locator("#tally-pears");

    await apples.getByRole("button").click();
    await expect.poll(() => apples.locator("b").innerText()).toBe("1");
    await apples.getByRole("button").click();
    await expect.poll(() => apples.locator("b").innerText()).toBe("2");
    expect(await pears.locator("b").innerText()).toBe("0");

    // the event frames named the component: ["e", ref, seq, "add", {}, "apples"]
    const sent = frames.filter((f) => f.dir === "sent" && f.data[0] === "e").map((f) => f.data);
    expect(sent).toHaveLength(2);
    for (const f of sent) expect([f[3], f[5]]).toEqual(["add", "apples"]);

    // the page passes the first tally a new label: update(props) runs, its count stays
    await page.locator("#shout").click();
    await expect.poll(() => apples.locator(".label").innerText()).toBe("APPLES");
    expect(await apples.locator("b").innerText()).toBe("2");
    await pears.getByRole("button").click();
    await expect.poll(() => pears.locator("b").innerText()).toBe("1");
    expect(await apples.locator("b").innerText()).toBe("2");

    // the replies carried small deltas, not the page
    await until(() => frames.filter((f) => f.dir === "received" && f.data[0] === "ad").length >= 4, "4 replies with deltas");
    expect(await same()).toBe(true);
    await ctx.close();
  });

  it("async: loading in the page and the join render, events answered while loading, then the result", async () => {
    expect(await (await fetch(`${hello.base}/tallies`)).text()).toContain('<p id="forecast">Loading the forecast…</p>');
    const ctx = await hello.browser.newContext();
    const before = lookups.length;
    const { page, frames } = await openLive(ctx, `${hello.base}/tallies`);
    // the join's render shows the loading state: sent whole, or "unchanged" (the page shows it already)
    const join = frames.find((f) => f.dir === "received" && (f.data[0] === "r" || f.data[0] === "="))!;
    if (join.data[0] === "r") expect(join.raw).toContain("Loading the forecast…");
    else expect(await page.locator("#forecast").innerText()).toBe("Loading the forecast…");
    await until(() => lookups.length > before, "the forecast lookup");
    const lookup = lookups.at(-1)!;
    // the lookup is pending: a tally still answers
    await page.locator("#tally-pears").getByRole("button").click();
    await expect.poll(() => page.locator("#tally-pears b").innerText()).toBe("1");
    expect(await page.locator("#forecast").innerText()).toBe("Loading the forecast…");
    lookup.answer("rain, 9 °C");
    await expect.poll(() => page.locator("#forecast").innerText()).toBe("Forecast: rain, 9 °C");
    await ctx.close();
  });

  it("async: leaving the page aborts a pending lookup", async () => {
    const ctx = await hello.browser.newContext();
    const before = lookups.length;
    const { page } = await openLive(ctx, `${hello.base}/tallies`);
    await until(() => lookups.length > before, "the forecast lookup");
    const lookup = lookups.at(-1)!;
    expect(lookup.signal.aborted).toBe(false);
    await page.close();
    await until(() => lookup.signal.aborted, "the lookup's signal to abort");
    expect(lookup.signal.reason).toMatchObject({ code: "WEFT_ERR_ASYNC_CANCELLED" });
    await ctx.close();
  });
});
