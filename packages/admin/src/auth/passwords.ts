/**
 * Password hashing with scrypt (node:crypto), as Django's `ScryptPasswordHasher`: a random
 * 16-byte salt per password, the parameters stored with the hash so they can be raised later,
 * and a timing-safe comparison.
 *
 * Stored format: `scrypt$N$r$p$salt$hash`, salt and hash in base64url (no padding).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

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
 * The parameters new hashes use: N = 2^15, r = 8, p = 1 (32 MiB, ≈ 50–100 ms on a server core),
 * above Django's 2^14 and the floor of 16384 this module accepts for new hashes.
 */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 1 << 15, r: 8, p: 1 });

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

/**
 * Hashes a password with scrypt and a fresh random salt.
 *
 * @param password - the plaintext (normalised to NFKC first, so visually equal input matches)
 * @param params - scrypt parameters (default {@link DEFAULT_SCRYPT}); N must be a power of two ≥ 16384
 * @returns the encoded hash `scrypt$N$r$p$salt$hash`
 * @throws RangeError when the password is longer than {@link MAX_PASSWORD_LENGTH} or the parameters are too weak / invalid
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
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
  if (typeof password !== "string" || password.length > MAX_PASSWORD_LENGTH) return false;
  const h = decode(encoded);
  if (!h) return false;
  const key = await scrypt(password, h.salt, h.key.length, h);
  return timingSafeEqual(key, h.key);
}

/**
 * Whether a stored hash should be replaced by a fresh one (weaker parameters than `params`, or
 * not a scrypt hash at all), as Django's `must_update`. Call after a successful verification.
 *
 * @param encoded - the stored hash
 * @param params - the current parameters (default {@link DEFAULT_SCRYPT})
 * @returns true when rehashing is advised
 */
export function needsRehash(encoded: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const h = decode(encoded);
  return !h || h.N < params.N || h.r < params.r || h.p < params.p;
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
 * cached, so that an unknown username costs the same scrypt work as a wrong password (as
 * Django's `ModelBackend` runs the hasher once for a missing user).
 *
 * @param params - the parameters real hashes use (default {@link DEFAULT_SCRYPT})
 * @returns a valid hash no user's password matches
 */
export function dummyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const key = `${params.N}$${params.r}$${params.p}`;
  let h = dummies.get(key);
  if (!h) {
    h = hashPassword(randomBytes(16).toString("base64url"), params);
    dummies.set(key, h);
  }
  return h;
}
