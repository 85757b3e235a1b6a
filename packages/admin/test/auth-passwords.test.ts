// Password hashing (argon2id, scrypt for old databases) and the upgrade of outdated hashes at
// login, on SQLite and PostgreSQL.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, hashScrypt, needsRehash, unusablePassword, UserStore, verifyPassword } from "../src/auth/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { qb } from "../src/query/dialect/index.js";
import { ENGINES, openEngine, type EngineDb } from "./support/engines.js";

describe("passwords", () => {
  it("hashes with argon2id (OWASP's minimum: 19 MiB, t=2, p=1) in PHC format and verifies", async () => {
    const h = await hashPassword("correct horse");
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword("correct horse", h)).toBe(true);
    expect(await verifyPassword("correct horsE", h)).toBe(false);
    expect(await verifyPassword("", h)).toBe(false);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a).not.toBe(b);
  });

  it("refuses weak parameters, malformed and unusable hashes", async () => {
    await expect(hashPassword("x", { memoryCost: 4096, timeCost: 2, parallelism: 1 })).rejects.toThrow(/memoryCost/);
    await expect(hashPassword("x", { memoryCost: 19456, timeCost: 1, parallelism: 1 })).rejects.toThrow(/timeCost/);
    await expect(hashPassword("x", { memoryCost: 1 << 22, timeCost: 2, parallelism: 1 })).rejects.toThrow(RangeError);
    await expect(hashScrypt("x", { N: 1024, r: 8, p: 1 })).rejects.toThrow(RangeError);
    // a stored argon2 hash asking for 4 GiB or 1,000 passes is refused unread, as a corrupt row
    const good = await hashPassword("x");
    expect(await verifyPassword("x", good.replace("m=19456", "m=4194304"))).toBe(false);
    expect(await verifyPassword("x", good.replace("t=2", "t=999"))).toBe(false);
    expect(await verifyPassword("x", good.slice(0, -3))).toBe(false);
    expect(await verifyPassword("x", good.replace("argon2id", "argon2d"))).toBe(false);
    await expect(hashPassword("x".repeat(5000))).rejects.toThrow(RangeError);
    expect(await verifyPassword("x", "garbage")).toBe(false);
    expect(await verifyPassword("x", "scrypt$33554432$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).toBe(false);
    expect(await verifyPassword("x", unusablePassword())).toBe(false);
  });

  it("flags scrypt hashes and argon2id hashes with weaker parameters for rehashing", async () => {
    const old = await hashScrypt("p", { N: 16384, r: 8, p: 1 });
    expect(old).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword("p", old)).toBe(true);
    expect(await verifyPassword("q", old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    const current = await hashPassword("p");
    expect(needsRehash(current)).toBe(false);
    expect(needsRehash(current, { memoryCost: 65_536, timeCost: 2, parallelism: 1 })).toBe(true);
  });

});

// On both engines: each describe block its own database (SQLite file or PostgreSQL database of
// its own, support/engines.ts).
const NO_TABLES = { sqlite: "", postgres: "" };
describe.each(ENGINES)("%s", (engine) => {
  let e: EngineDb;

  describe("password upgrade", () => {
    beforeAll(async () => {
      e = await openEngine(engine, NO_TABLES, "admin_auth");
    }, 60_000);
    afterAll(() => e?.close());

    it("upgrades a user's scrypt hash to argon2id on the next successful login, not on a failed one", async () => {
      const users = new UserStore(e.db);
      const { weftUsers } = adminTablesFor(e.db);
      const db = qb(e.db);
      const u = await users.createUser({ username: "legacy", password: "old-pass", isStaff: true });
      const stored = async () => (await db.select({ h: weftUsers.passwordHash }).from(weftUsers).where(eq(weftUsers.id, u.id)))[0]!.h;
      expect((await stored())).toMatch(/^\$argon2id\$/);
      // as a database written before argon2id: the same password, hashed with scrypt
      const legacy = await hashScrypt("old-pass", { N: 1 << 15, r: 8, p: 1 });
      await db.update(weftUsers).set({ passwordHash: legacy }).where(eq(weftUsers.id, u.id));
      expect(await users.authenticate("legacy", "wrong")).toBeNull();
      expect((await stored())).toBe(legacy);
      expect(await users.authenticate("legacy", "old-pass")).toMatchObject({ id: u.id });
      const upgraded = (await stored());
      expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await verifyPassword("old-pass", upgraded)).toBe(true);
      // the next login uses the new hash and leaves it as it is
      expect(await users.authenticate("legacy", "old-pass")).toMatchObject({ id: u.id });
      expect((await stored())).toBe(upgraded);
    });
  });
});
