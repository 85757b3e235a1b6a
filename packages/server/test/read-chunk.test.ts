// What a socket keeps of the frames it read (transport/read-buffer.ts): ws's receiver keeps the
// last frame's mask as a slice of the TCP chunk it came in; the socket drops it once the frame
// is read, so an idle socket holds no chunk of its client's. Frames after it still unmask right.
import { afterEach, expect, it } from "vitest";
import { LiveView } from "../src/index.js";
import { Client, getPage, startServer } from "./helpers.js";

class Counter extends LiveView<{ n: number }> {
  mount() {
    return { n: 0 };
  }
  render() {
    return `<b>${this.assigns.n}</b>`;
  }
  events = { inc: () => this.assign({ n: this.assigns.n + 1 }) };
}

type Server = Awaited<ReturnType<typeof startServer>>;
type ServerWs = { _receiver: { _mask?: Buffer } };
let srv: Server | undefined;
let client: Client | undefined;
afterEach(async () => {
  client?.close();
  await srv?.app.close();
});

it("an idle socket keeps no slice of the last chunk it read, and later frames still decode", async () => {
  srv = await startServer({ "/c": Counter });
  const page = await getPage(srv.base, "/c");
  client = await Client.open(srv.base, page.cookie);
  client.join(1, page.roots[0]!.token, srv.base + "/c");
  await client.until(() => client!.html.get(1)?.includes("<b>0</b>"), "join");
  const [ws] = [...(srv.app as unknown as { websocketServer: { clients: Set<ServerWs> } }).websocketServer.clients];
  expect(ws!._receiver._mask).toBeUndefined();
  for (let i = 1; i <= 3; i++) await client.reply(client.event(1, "inc"));
  expect(client.html.get(1)).toBe("<b>3</b>");
  expect(ws!._receiver._mask).toBeUndefined();
});
