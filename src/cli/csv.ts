import { open, rename, rm } from "node:fs/promises";

/**
 * CSV for spreadsheets (RFC 4180: comma-separated, CRLF rows, quotes doubled). A text cell that
 * starts like a formula (=, +, -, @) gets a leading apostrophe, so a merchant's name cannot run
 * in the operator's spreadsheet; numbers keep their sign.
 */
export function csvRow(cells: (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes rows to `path` as they come, through a file beside it renamed at the end: a failure
 * half-way leaves no file that looks complete. Returns how many rows (header excluded) it wrote.
 */
export async function writeCsvFile(
  path: string,
  header: string[],
  rows: AsyncIterable<(string | number | null | undefined)[]>,
): Promise<number> {
  const partial = `${path}.partial`;
  const file = await open(partial, "w", 0o600);
  let count = 0;
  try {
    await file.write(csvRow(header));
    for await (const row of rows) {
      await file.write(csvRow(row));
      count++;
    }
    await file.close();
    await rename(partial, path);
    return count;
  } catch (error) {
    await file.close().catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
}
