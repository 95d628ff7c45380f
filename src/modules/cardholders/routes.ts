import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { z } from "zod";
import { type FieldIssue, validationError } from "../../core/errors.ts";
import { apiErrors, BODY_ERRORS } from "../../http/api-docs.ts";
import type { AppDeps } from "../../http/deps.ts";
import { tenantContext } from "../../http/deps.ts";
import { idempotencyHeaders } from "../../http/idempotency-header.ts";
import { listAnswer, pageRequest } from "../../http/list.ts";
import { readMultipart } from "../../http/multipart.ts";
import { messageFor } from "../../http/validation.ts";
import { sniffKycFile } from "../documents/sniff.ts";
import type { KycFiles } from "../documents/vault.ts";
import { createCardholder } from "./create.ts";
import {
  type CardholderFields,
  cardholderFieldsSchema,
  crossFieldIssues,
  FILE_FIELDS,
  isCalendarDate,
  TEXT_FIELDS,
} from "./fields.ts";
import { presentHolderStatus } from "./present.ts";
import { getCardholder, listCardholders } from "./profile.ts";
import { resubmitDocuments } from "./resubmit.ts";
import {
  cardholderListQuery,
  cardholderListSchema,
  cardholderProfileSchema,
  createdCardholderSchema,
  documentCorrectionsSchema,
  HOLDER_ID,
  holderParams,
  holderStatusExample,
} from "./schemas.ts";
import { getHolderStatus } from "./service.ts";

const CORRECTION_FIELDS = new Set(Object.keys(documentCorrectionsSchema.shape));

/**
 * Reads a KYC multipart form: text fields validated by `schema`, the date rules, and the files
 * judged by content. Every problem, text and files alike, is collected so one 400 names them all.
 */
async function readKycForm<S extends z.ZodType<Record<string, unknown>>>(
  request: FastifyRequest,
  deps: AppDeps,
  schema: S,
  textFields: ReadonlySet<string>,
): Promise<{ fields: z.infer<S>; files: KycFiles }> {
  const form = await readMultipart(request, {
    maxFileBytes: deps.settings.uploadMaxFileBytes,
    maxTotalBytes: deps.settings.uploadMaxTotalBytes,
    textFields,
    fileFields: FILE_FIELDS,
  });
  const issues: FieldIssue[] = [];
  const parsed = schema.safeParse(form.fields, { error: messageFor });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? "body");
      issues.push({
        field,
        message: form.fields[field] === undefined ? "required" : issue.message,
      });
    }
  }
  // The date rules (expired document, future birth date) run even when other fields are wrong,
  // on every date that is itself well formed, so that one response names all the problems.
  const dates = Object.fromEntries(
    (["kycDob", "kycIssueDate", "kycExpiryDate"] as const)
      .map((field) => [field, form.fields[field]?.trim()] as const)
      .filter(([, value]) => value !== undefined && isCalendarDate(value)),
  ) as Pick<CardholderFields, "kycDob" | "kycIssueDate" | "kycExpiryDate">;
  issues.push(...crossFieldIssues(dates, new Date().toISOString().slice(0, 10)));
  const files: Partial<KycFiles> = {};
  for (const [field, bytes] of Object.entries(form.files)) {
    const sniffed = await sniffKycFile(field, bytes);
    if ("field" in sniffed) issues.push(sniffed);
    else files[field as keyof KycFiles] = sniffed;
  }
  if (!form.files.docFront) issues.push({ field: "docFront", message: "required" });
  if (issues.length > 0 || !parsed.success || !files.docFront) throw validationError(issues);
  return { fields: parsed.data, files: files as KycFiles };
}

export const cardholderRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/cardholders",
      {
        schema: {
          tags: ["cardholders"],
          summary: "Create a cardholder and submit KYC (multipart/form-data)",
          description:
            "Creates the end user and the cardholder and submits KYC to the issuer. The status starts IN_REVIEW; poll GET /cardholders/{holderId}/status (or subscribe to `cardholder.status_changed`) until ACTIVE.",
          headers: idempotencyHeaders,
          response: {
            201: createdCardholderSchema,
            ...apiErrors(
              ...BODY_ERRORS,
              "duplicate_cardholder",
              "idempotency_key_in_use",
              "idempotency_key_reused",
              "upstream_rejected",
              "upstream_unavailable",
            ),
          },
        },
      },
      async (request, reply) => {
        const ctx = tenantContext(deps, request);
        const { fields, files } = await readKycForm(
          request,
          deps,
          cardholderFieldsSchema,
          TEXT_FIELDS,
        );
        const { created, replayed } = await createCardholder(ctx, {
          fields,
          files,
          idempotencyKey: request.headers["idempotency-key"],
        });
        if (replayed) reply.header("idempotent-replayed", "true");
        return reply.status(201).send({ success: true, ...created });
      },
    );

    app.post(
      "/cardholders/:holderId/documents",
      {
        schema: {
          tags: ["cardholders"],
          summary: "Resubmit KYC documents for a cardholder in review (multipart/form-data)",
          params: holderParams,
          response: {
            200: holderStatusExample("IN_REVIEW", "Documents accepted; the review starts again"),
            ...apiErrors(
              ...BODY_ERRORS,
              "not_found",
              "cardholder_under_verification",
              "cardholder_rejected",
              "kyc_already_decided",
              "upstream_unavailable",
            ),
          },
        },
      },
      async (request) => {
        const ctx = tenantContext(deps, request);
        const { fields, files } = await readKycForm(
          request,
          deps,
          documentCorrectionsSchema,
          CORRECTION_FIELDS,
        );
        const view = await resubmitDocuments(ctx, {
          holderId: request.params.holderId,
          files,
          corrections: fields,
        });
        return presentHolderStatus(view);
      },
    );

    app.get(
      "/cardholders/:holderId/status",
      {
        schema: {
          tags: ["cardholders"],
          summary: "A cardholder's KYC status",
          description:
            "IN_REVIEW until the issuer decides; then ACTIVE (cards can be issued) or REJECTED.",
          params: holderParams,
          response: {
            200: holderStatusExample("ACTIVE", "The current status"),
            ...apiErrors("not_found"),
          },
        },
      },
      async (request) => {
        const ctx = tenantContext(deps, request);
        const view = await getHolderStatus(ctx, { holderId: request.params.holderId });
        return presentHolderStatus(view);
      },
    );

    app.get(
      "/cardholders",
      {
        schema: {
          tags: ["cardholders"],
          summary: "Cardholders, newest first",
          querystring: cardholderListQuery,
          response: { 200: cardholderListSchema, ...apiErrors() },
        },
      },
      async (request) => {
        const { status, email } = request.query;
        const page = await listCardholders(tenantContext(deps, request), {
          status,
          email,
          page: pageRequest(request.query, HOLDER_ID),
        });
        return listAnswer(page, (holder) => holder.holderId);
      },
    );

    app.get(
      "/cardholders/:holderId",
      {
        schema: {
          tags: ["cardholders"],
          summary: "A cardholder's profile (documents as metadata only)",
          params: holderParams,
          response: { 200: cardholderProfileSchema, ...apiErrors("not_found") },
        },
      },
      async (request) => {
        const holder = await getCardholder(tenantContext(deps, request), {
          holderId: request.params.holderId,
        });
        return { success: true, ...holder };
      },
    );
  };
