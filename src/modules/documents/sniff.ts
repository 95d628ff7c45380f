import { fileTypeFromBuffer } from "file-type";
import type { FieldIssue } from "../../core/errors.ts";
import type { KycFile } from "../../issuer/port.ts";

const ACCEPTED: Record<string, KycFile["mime"]> = {
  "image/jpeg": "image/jpeg",
  "image/png": "image/png",
  "application/pdf": "application/pdf",
};

/** Judges a file by its bytes (magic numbers), never by its name or the client's MIME type. */
export async function sniffKycFile(field: string, bytes: Buffer): Promise<KycFile | FieldIssue> {
  if (bytes.length === 0) return { field, message: "the file is empty" };
  const type = await fileTypeFromBuffer(bytes);
  const mime = type ? ACCEPTED[type.mime] : undefined;
  if (!mime) return { field, message: "must be a JPEG, PNG or PDF (judged by content)" };
  return { bytes, mime };
}
