/**
 * Password hashing with argon2id (`@node-rs/argon2`), as Django's `Argon2PasswordHasher` and
 * OWASP's Password Storage Cheat Sheet: a random 16-byte salt per password, the parameters
 * stored with the hash (PHC string) so they can be raised later. Hashes made before with scrypt
 * (Django's `ScryptPasswordHasher` format) still verify, and {@link needsRehash} flags them, so
 * they are replaced on the user's next successful login.
 *
 * Stored formats: `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (new), `scrypt$N$r$p$salt$hash` (old),
 * salt and hash in base64 without padding.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";

/** argon2id cost parameters. */
export interface Argon2Params {
  /** memory per hash, KiB */
  memoryCost: number;
  /** passes over the memory */
  timeCost: number;
  /** lanes (threads) */
  parallelism: number;
}

/**
 * The parameters new hashes use: argon2id with m = 19,456 KiB (19 MiB), t = 2, p = 1, OWASP's
 * recommended minimum (≈ 70 ms on a server core). {@link hashPassword} refuses weaker ones.
 */
export const DEFAULT_ARGON2: Readonly<Argon2Params> = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/** Upper bounds for argon2 parameters read back from a stored hash, so a corrupt row cannot pin the CPU or memory. */
const MAX_ARGON2: Readonly<Argon2Params> = Object.freeze({ memoryCost: 1 << 20, timeCost: 16, parallelism: 16 });
const ARGON2_PHC = /^\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{22,86}$/;

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two (memory used ≈ 128 · N · r bytes) */
  N: number;
  /** block size */
  r: number;
  /** parallelisation */
  p: number;
}

/**
 * scrypt parameters of {@link hashScrypt}: N = 2^17, r = 8, p = 1 (128 MiB), OWASP's minimum.
 * New passwords are hashed with argon2id; scrypt hashes are only verified (and then upgraded).
 */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 1 << 17, r: 8, p: 1 });

/** Passwords longer than this are refused outright (as Django's `MAXIMUM_PASSWORD_LENGTH`), bounding the work per attempt. */
export const MAX_PASSWORD_LENGTH = 4096;

const KEY_LEN = 32;
const SALT_LEN = 16;
/** Upper bounds for parameters read back from a stored hash, so a corrupt row cannot pin the CPU. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scrypt(password: string, salt: Buffer, keyLen: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize("NFKC"), salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

const inRange = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;

/**
 * Hashes a password with argon2id and a fresh random salt.
 *
 * @param password - the plaintext (normalised to NFKC first, so visually equal input matches)
 * @param params - argon2id parameters (default {@link DEFAULT_ARGON2}, also the floor)
 * @returns the PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`
 * @throws RangeError when the password is longer than {@link MAX_PASSWORD_LENGTH} or the parameters are weaker than {@link DEFAULT_ARGON2} / too large
 */
export async function hashPassword(password: string, params: Argon2Params = DEFAULT_ARGON2): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError(`password longer than ${MAX_PASSWORD_LENGTH} characters`);
  for (const k of ["memoryCost", "timeCost", "parallelism"] as const) {
    if (!inRange(params[k], DEFAULT_ARGON2[k], MAX_ARGON2[k])) throw new RangeError(`argon2 ${k} must be an integer in [${DEFAULT_ARGON2[k]}, ${MAX_ARGON2[k]}]`);
  }
  return argon2Hash(password.normalize("NFKC"), { ...params, salt: randomBytes(SALT_LEN) });
}

/**
 * Hashes a password with scrypt (the format of hashes made before argon2id), for migrations and
 * tests; {@link needsRehash} flags its hashes.
 *
 * @param password - the plaintext (normalised to NFKC first)
 * @param params - scrypt parameters (default {@link DEFAULT_SCRYPT}); N must be a power of two ≥ 16384
 * @returns the encoded hash `scrypt$N$r$p$salt$hash`
 * @throws RangeError when the password is longer than {@link MAX_PASSWORD_LENGTH} or the parameters are too weak / invalid
 */
export async function hashScrypt(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError(`password longer than ${MAX_PASSWORD_LENGTH} characters`);
  if (!isPowerOfTwo(params.N) || params.N < 16384 || params.N > MAX_N) throw new RangeError("scrypt N must be a power of two in [16384, 2^20]");
  if (!Number.isInteger(params.r) || params.r < 8 || params.r > MAX_R) throw new RangeError("scrypt r must be an integer in [8, 32]");
  if (!Number.isInteger(params.p) || params.p < 1 || params.p > MAX_P) throw new RangeError("scrypt p must be an integer in [1, 16]");
  const salt = randomBytes(SALT_LEN);
  const key = await scrypt(password, salt, KEY_LEN, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** A decoded stored hash, or null when the string is not a well-formed scrypt hash. */
function decode(encoded: string): (ScryptParams & { salt: Buffer; key: Buffer }) | null {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,8}$/.test(s) ? Number(s) : NaN));
  if (!isPowerOfTwo(N) || N > MAX_N || !(r >= 1 && r <= MAX_R) || !(p >= 1 && p <= MAX_P)) return null;
  const salt = Buffer.from(parts[4], "base64url");
  const key = Buffer.from(parts[5], "base64url");
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { N, r, p, salt, key };
}

/**
 * Checks a password against a stored hash, comparing in constant time.
 *
 * @param password - the plaintext to check
 * @param encoded - a hash made by {@link hashPassword}
 * @returns true when they match; false on mismatch, on a malformed or unusable hash (`!…`), or
 *   on a password longer than {@link MAX_PASSWORD_LENGTH}. Never throws for bad input.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (typeof password !== "string" || password.length > MAX_PASSWORD_LENGTH || typeof encoded !== "string") return false;
  if (encoded.startsWith("$argon2")) {
    if (!argon2Params(encoded)) return false;
    return argon2Verify(encoded, password.normalize("NFKC")).catch(() => false);
  }
  const h = decode(encoded);
  if (!h) return false;
  const key = await scrypt(password, h.salt, h.key.length, h);
  return timingSafeEqual(key, h.key);
}

/** The parameters of a well-formed argon2id hash within {@link MAX_ARGON2}, or null. */
function argon2Params(encoded: string): Argon2Params | null {
  const m = ARGON2_PHC.exec(encoded);
  if (!m) return null;
  const [memoryCost, timeCost, parallelism] = m.slice(1, 4).map(Number);
  const ok = inRange(memoryCost, 8, MAX_ARGON2.memoryCost) && inRange(timeCost, 1, MAX_ARGON2.timeCost) && inRange(parallelism, 1, MAX_ARGON2.parallelism);
  return ok ? { memoryCost, timeCost, parallelism } : null;
}

/**
 * Whether a stored hash should be replaced by a fresh one (a scrypt hash, or argon2id with
 * weaker parameters than `params`), as Django's `must_update`. Call after a successful
 * verification, with the plaintext still at hand: `UserStore.authenticate` does, so old hashes
 * are upgraded on the next successful login.
 *
 * @param encoded - the stored hash
 * @param params - the current parameters (default {@link DEFAULT_ARGON2})
 * @returns true when rehashing is advised
 */
export function needsRehash(encoded: string, params: Argon2Params = DEFAULT_ARGON2): boolean {
  const h = argon2Params(encoded);
  return !h || h.memoryCost < params.memoryCost || h.timeCost < params.timeCost || h.parallelism < params.parallelism;
}

/**
 * An unusable password hash (`!` + random), as Django's `set_unusable_password`: no password
 * verifies against it. Used for accounts that log in only through other means.
 *
 * @returns a string that {@link verifyPassword} always rejects
 */
export function unusablePassword(): string {
  return "!" + randomBytes(24).toString("base64url");
}

const dummies = new Map<string, Promise<string>>();

/**
 * A hash of a random password with the given parameters, computed once per parameter set and
 * cached, so that an unknown username costs the same argon2 work as a wrong password (as
 * Django's `ModelBackend` runs the hasher once for a missing user).
 *
 * @param params - the parameters real hashes use (default {@link DEFAULT_ARGON2})
 * @returns a valid hash no user's password matches
 */
export function dummyHash(params: Argon2Params = DEFAULT_ARGON2): Promise<string> {
  const key = `${params.memoryCost}$${params.timeCost}$${params.parallelism}`;
  let h = dummies.get(key);
  if (!h) {
    h = hashPassword(randomBytes(16).toString("base64url"), params);
    dummies.set(key, h);
  }
  return h;
}
