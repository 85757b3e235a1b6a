/** Whether `file` exists and this process may execute it. */
export declare function isExecutable(file: string): boolean;
/** The first executable `name` on PATH (`pathVar`, default `process.env.PATH`), or null. */
export declare function which(name: string, pathVar?: string): string | null;
/**
 * A directory holding both `initdb` and `pg_ctl`: on PATH, else the newest Debian
 * `/usr/lib/postgresql/<version>/bin` (`libDir`); null when there is none.
 */
export declare function findPostgresBin(pathVar?: string, libDir?: string): string | null;
/** Whether something accepts TCP connections on host:port within `timeoutMs` (default 1,000 ms). */
export declare function answers(host: string, port: number, timeoutMs?: number): Promise<boolean>;
