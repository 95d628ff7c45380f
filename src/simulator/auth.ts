/**
 * Token issuance and checking. Tokens are real 3-part HS256 JWTs (uqpay-node refuses anything
 * else) carrying both claim sets seen upstream. The signing key is derived from the client
 * credentials so tokens stay valid across a simulator restart with a state file.
 */
import { createHash } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { SimError, unauthorized } from "./errors.ts";

export interface AuthConfig {
  clientId: string;
  apiKey: string;
  ttlSeconds: number;
  accountId: string;
  /** Card Issuance allows several live tokens per the v1.6 quickstart (the FAQ disagrees). */
  tokensCoexist: boolean;
  /**
   * The newest docs make `x-auth-token: Bearer <jwt>` mandatory; older v1.6 reference pages send
   * the bare JWT. Default false: both forms are accepted (a JWT never contains a space, so the two
   * cannot be confused). true: a bare token gets 401 like a malformed header.
   */
  requireBearer?: boolean;
}

export interface TokenClaims {
  client_id: string;
  jti: string;
}

export class Auth {
  private readonly key: Uint8Array;
  /** When tokens do not coexist: the only jti still accepted, per client. */
  private readonly latest = new Map<string, string>();
  private counter = 0;

  constructor(
    readonly cfg: AuthConfig,
    private readonly clock: () => number,
  ) {
    this.key = createHash("sha256").update(`uqpay-sim:${cfg.clientId}:${cfg.apiKey}`).digest();
  }

  async issue(
    clientId: string | undefined,
    apiKey: string | undefined,
  ): Promise<{ auth_token: string; expired_at: number }> {
    if (!clientId || !apiKey) throw unauthorized("x-client-id and x-api-key headers are required");
    // The acquiring FAQ answers a wrong client id with 400 "Invalid client id".
    if (clientId !== this.cfg.clientId)
      throw new SimError("invalid_request_error", "invalid_client", "Invalid client id");
    if (apiKey !== this.cfg.apiKey) throw unauthorized("invalid api key");
    const iat = Math.floor(this.clock() / 1000);
    const exp = iat + this.cfg.ttlSeconds;
    const jti = `${iat}-${++this.counter}`;
    const acct = this.cfg.accountId;
    const token = await new SignJWT({
      entity_id: acct,
      short_entity_id: acct.slice(0, 8).toUpperCase(),
      parent_entity_id: "",
      master_id: acct,
      customer_id: acct,
      account_id: acct,
      user_id: acct,
      direct_id: acct,
      on_behalf_id: "",
      client_id: clientId,
      api_version: "V1.0",
      bus_type: 2,
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("uqpay")
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(this.key);
    this.latest.set(clientId, jti);
    return { auth_token: token, expired_at: exp };
  }

  async verify(header: string | undefined): Promise<TokenClaims> {
    if (!header) throw unauthorized("x-auth-token header is required");
    const m = /^(Bearer )?([^\s]+)$/i.exec(header.trim());
    if (!m?.[2] || (this.cfg.requireBearer && !m[1]))
      throw unauthorized("x-auth-token must be 'Bearer <token>'");
    try {
      const { payload } = await jwtVerify(m[2], this.key, {
        issuer: "uqpay",
        algorithms: ["HS256"],
        currentDate: new Date(this.clock()),
      });
      const claims = { client_id: String(payload.client_id), jti: String(payload.jti) };
      if (!this.cfg.tokensCoexist) {
        const latest = this.latest.get(claims.client_id);
        if (latest !== undefined && latest !== claims.jti)
          throw unauthorized("token has been revoked by a newer token");
      }
      return claims;
    } catch (err) {
      if (err instanceof SimError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw unauthorized("token has expired");
      throw unauthorized("invalid token");
    }
  }
}
