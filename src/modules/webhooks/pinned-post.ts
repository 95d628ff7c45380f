import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { ResolvedAddress } from "./url-policy.ts";

/**
 * POSTs to `url` over a connection to exactly `address` (resolved and checked by the caller), never
 * to whatever the name resolves to at connect time: the socket's lookup answers with the pinned
 * address, so DNS rebinding between the check and the connection has nothing to act on. TLS still
 * verifies the certificate against the URL's host name (SNI and hostname check use the URL).
 * Redirects are not followed (node:http never does); the response body is discarded.
 */
export function pinnedPost(
  url: string,
  address: ResolvedAddress,
  request: { headers: Record<string, string>; body: string; signal: AbortSignal },
): Promise<{ statusCode: number }> {
  const target = new URL(url);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  };
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: "POST",
        headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) },
        lookup: pinned,
        // A fresh connection each time: a pooled socket could have been opened to another address.
        agent: false,
        signal: request.signal,
      },
      (res) => {
        res.resume();
        resolve({ statusCode: res.statusCode ?? 0 });
      },
    );
    req.on("error", reject);
    req.end(request.body);
  });
}
