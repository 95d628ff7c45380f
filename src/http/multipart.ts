import type { Multipart } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import { CardrailError, validationError } from "../core/errors.ts";

export interface MultipartLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  textFields: ReadonlySet<string>;
  fileFields: ReadonlySet<string>;
}

export interface MultipartForm {
  fields: Record<string, string>;
  files: Record<string, Buffer>;
}

const MAX_TEXT_BYTES = 1024;

const tooLarge = (message: string, field?: string) =>
  new CardrailError("payload_too_large", message, field ? [{ field, message }] : undefined);

/**
 * Reads a multipart/form-data body while it streams, enforcing limits as bytes arrive: a file over
 * its limit, or a body over the total, is refused without reading the rest. Unknown fields are
 * drained and ignored (old integrations send extras); a repeated field is refused.
 */
export async function readMultipart(
  request: FastifyRequest,
  limits: MultipartLimits,
): Promise<MultipartForm> {
  if (!request.isMultipart()) {
    throw new CardrailError("unsupported_media_type", "This endpoint takes multipart/form-data");
  }
  const declared = Number(request.headers["content-length"]);
  // Multipart framing adds a little per part; anything far beyond the total cannot be valid.
  if (Number.isFinite(declared) && declared > limits.maxTotalBytes + 64 * 1024) {
    throw tooLarge(`The request body is larger than ${limits.maxTotalBytes} bytes`);
  }
  const form: MultipartForm = { fields: {}, files: {} };
  let total = 0;
  const parts = request.parts({
    limits: {
      fileSize: limits.maxFileBytes,
      files: limits.fileFields.size + 2,
      fields: limits.textFields.size + 10,
      fieldSize: MAX_TEXT_BYTES,
      fieldNameSize: 100,
      parts: limits.textFields.size + limits.fileFields.size + 12,
      headerPairs: 20,
    },
  });
  try {
    for await (const part of parts as AsyncIterableIterator<Multipart>) {
      const name = part.fieldname;
      if (part.type === "file") {
        if (!limits.fileFields.has(name)) {
          part.file.resume();
          continue;
        }
        if (name in form.files)
          throw validationError([{ field: name, message: "sent more than once" }]);
        const buffer = await part.toBuffer();
        total += buffer.length;
        if (total > limits.maxTotalBytes)
          throw tooLarge(`Uploads exceed ${limits.maxTotalBytes} bytes in total`, name);
        form.files[name] = buffer;
      } else {
        if (!limits.textFields.has(name)) continue;
        if (part.valueTruncated)
          throw tooLarge(`Field ${name} is longer than ${MAX_TEXT_BYTES} bytes`, name);
        if (name in form.fields)
          throw validationError([{ field: name, message: "sent more than once" }]);
        form.fields[name] = String(part.value);
      }
    }
  } catch (error) {
    throw translateMultipartError(error, limits);
  }
  return form;
}

function translateMultipartError(error: unknown, limits: MultipartLimits): unknown {
  if (error instanceof CardrailError) return error;
  const code = (error as { code?: string }).code;
  const part = (error as { part?: { fieldname?: string } }).part;
  switch (code) {
    case "FST_REQ_FILE_TOO_LARGE":
      return tooLarge(`A file is larger than ${limits.maxFileBytes} bytes`, part?.fieldname);
    case "FST_PARTS_LIMIT":
    case "FST_FILES_LIMIT":
    case "FST_FIELDS_LIMIT":
      return tooLarge("Too many parts in the multipart body");
    case "FST_PROTO_VIOLATION":
      return validationError([{ field: "body", message: "forbidden field name" }]);
    case "FST_INVALID_MULTIPART_CONTENT_TYPE":
      return new CardrailError("unsupported_media_type", "This endpoint takes multipart/form-data");
    default:
      // Busboy's parse errors ("Unexpected end of form", bad boundaries) are the client's malformed body.
      if (error instanceof Error) {
        return validationError([
          { field: "body", message: `malformed multipart body: ${error.message}` },
        ]);
      }
      return error;
  }
}
