/** The benchmark's knobs (environment) and fixed sizes, shared by every scenario. */

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const REPS = Number(process.env.BENCH_REPS ?? 3);
export const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "warn";
export const TENANTS = 100;
export const AMOUNT_MINOR = 100; // USD 1.00 per card
export const UPLOAD_BYTES = 5_000_000; // "5 MB": under the default 5 MiB (5,242,880 B) per-file limit
export const OVERSIZE_BYTES = 50 * 1024 * 1024;

export const log = (s: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
