import type { NamedUpload, Upload, UploadStream } from "./types.ts";

const FILE_FIELDS = new Set(["docFront", "docBack", "selfie"]);

/**
 * A multipart form from an input of text fields and {@link Upload}s, built once before the first
 * attempt so that every retry sends the same bytes (and so the same request hash for its key).
 */
export async function toFormData(input: object): Promise<FormData> {
  const form = new FormData();
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined || value === null) continue;
    if (FILE_FIELDS.has(name)) {
      const { blob, filename } = await toFormFile(value as Upload, name);
      form.append(name, blob, filename);
    } else {
      form.append(name, String(value));
    }
  }
  return form;
}

/**
 * Turns any accepted upload into a Blob once, before the first attempt, so that every retry can
 * send the same bytes again (a stream can be read only once). A path becomes a lazy, file-backed
 * Blob (`fs.openAsBlob`): the only place the SDK touches `node:fs`.
 */
export async function toFormFile(
  upload: Upload,
  field: string,
): Promise<{ blob: Blob; filename: string }> {
  const named = isNamed(upload) ? upload : undefined;
  const data = named ? named.data : (upload as Exclude<Upload, NamedUpload>);
  let blob: Blob;
  let filename = named?.filename;

  if (typeof data === "string" || data instanceof URL) {
    const { openAsBlob } = await import("node:fs");
    blob = await openAsBlob(data);
    filename ??= lastSegment(typeof data === "string" ? data : data.pathname);
  } else if (data instanceof Uint8Array) {
    blob = new Blob([new Uint8Array(data)]);
  } else if (data instanceof Blob) {
    blob = data;
    if (!filename && "name" in data && typeof data.name === "string" && data.name) {
      filename = data.name;
    }
  } else if (isStream(data)) {
    blob = new Blob(await readAll(data));
  } else {
    throw new TypeError(
      `${field}: expected a file path, URL, Buffer/Uint8Array, Blob, readable stream, or { data, filename, contentType }`,
    );
  }

  const type = named?.contentType ?? (blob.type || (await sniff(blob)));
  if (type && type !== blob.type) blob = new Blob([blob], { type });
  return { blob, filename: filename ?? `${field}${extension(type)}` };
}

function isNamed(upload: Upload): upload is NamedUpload {
  return (
    typeof upload === "object" &&
    upload !== null &&
    !(upload instanceof Uint8Array) &&
    !(upload instanceof Blob) &&
    !(upload instanceof URL) &&
    "data" in upload
  );
}

function isStream(data: unknown): data is UploadStream {
  return (
    typeof data === "object" &&
    data !== null &&
    (Symbol.asyncIterator in data || typeof (data as ReadableStream).getReader === "function")
  );
}

async function readAll(stream: UploadStream): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const encoder = new TextEncoder();
  const push = (chunk: Uint8Array | string) =>
    chunks.push(typeof chunk === "string" ? encoder.encode(chunk) : new Uint8Array(chunk));
  if (Symbol.asyncIterator in stream) {
    for await (const chunk of stream as AsyncIterable<Uint8Array | string>) push(chunk);
  } else {
    const reader = (stream as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      push(value);
    }
  }
  return chunks;
}

/** The part's Content-Type from the first bytes (the server judges content anyway). */
async function sniff(blob: Blob): Promise<string> {
  const head = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg";
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47)
    return "image/png";
  if (new TextDecoder().decode(head.slice(0, 5)) === "%PDF-") return "application/pdf";
  return "application/octet-stream";
}

function extension(type: string): string {
  return (
    ({ "image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf" } as const)[
      type as "image/jpeg"
    ] ?? ""
  );
}

function lastSegment(path: string): string {
  return path.split(/[\\/]/).pop() || "upload";
}
