import type { paths } from "./generated/openapi.ts";

/**
 * Views over the generated `paths` type: which operations exist, their bodies, answers and error
 * codes. Everything here is derived, so a change to openapi.json (regenerated) flows into the SDK's
 * types and a new operation or error code fails the type check until the SDK covers it.
 */

/** The API's own paths (not health checks, metrics or the issuer's inbound webhooks). */
export type ApiPath = Extract<keyof paths, `/api/v1/${string}`>;

export type HttpMethod = "get" | "put" | "post" | "delete" | "patch";

/** The operation object, or never where the path has no such method (`get?: never`). */
export type Operation<P extends ApiPath, M extends HttpMethod> = Exclude<paths[P][M], undefined>;

/** Every operation, spelt as in the API reference: `"GET /api/v1/cards/{cardId}"`. */
export type OperationKey = {
  [P in ApiPath]: {
    [M in HttpMethod]: [Operation<P, M>] extends [never] ? never : `${Uppercase<M>} ${P}`;
  }[HttpMethod];
}[ApiPath];

type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : never;
type AnswerOf<O> = O extends { responses: infer R } ? R[keyof R] : never;
type SuccessOf<O> = O extends { responses: infer R }
  ? R[Extract<keyof R, 200 | 201 | 202 | 204>]
  : never;

/** The JSON body of an operation's success answer. */
export type Answer<P extends ApiPath, M extends HttpMethod> = JsonOf<SuccessOf<Operation<P, M>>>;

/** An operation's request body in the given media type. */
export type Body<
  P extends ApiPath,
  M extends HttpMethod,
  Media extends string = "application/json",
> =
  Operation<P, M> extends { requestBody?: { content: infer C } }
    ? C extends Record<Media, infer B>
      ? B
      : never
    : never;

/** An operation's query parameters. */
export type Query<P extends ApiPath, M extends HttpMethod> =
  Operation<P, M> extends {
    parameters: { query?: infer Q };
  }
    ? Exclude<Q, undefined>
    : never;

type CodeOf<B> = B extends { error: { code: infer C } } ? C : never;

/** Every `error.code` any operation of the API can answer with: the union of the contract's lists. */
export type ErrorCode = {
  [P in ApiPath]: {
    [M in HttpMethod]: CodeOf<JsonOf<AnswerOf<Operation<P, M>>>>;
  }[HttpMethod];
}[ApiPath];
