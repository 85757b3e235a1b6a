import { buildApp } from "./app.js";
const address = await (await buildApp()).listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? "127.0.0.1" });
console.log(`hello: the counter at ${address}/, the guestbook at ${address}/guestbook, components and async at ${address}/tallies`);
