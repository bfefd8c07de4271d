// The session is the backend's JWT, kept in an httpOnly SameSite=Lax cookie that only the
// frontend's server code reads. The claims are decoded (not verified) just to know whose
// `/api/{user_id}/...` routes to call; the backend verifies the signature on every request.
import { cookies } from "next/headers";

export const SESSION_COOKIE = "todo_session";
const DEFAULT_MAX_AGE = 7 * 24 * 3600;

export interface TokenClaims {
  sub: string;
  email?: string;
  exp?: number;
}

export interface Session {
  token: string;
  userId: string;
  email: string;
}

export function decodeTokenClaims(token: string): TokenClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as unknown;
    if (!claims || typeof claims !== "object") return null;
    const { sub, email, exp } = claims as Record<string, unknown>;
    if (typeof sub !== "string" || !sub) return null;
    return {
      sub,
      email: typeof email === "string" ? email : undefined,
      exp: typeof exp === "number" ? exp : undefined,
    };
  } catch {
    return null;
  }
}

/** The session for a token, or null when it is malformed or expired. */
export function sessionFromToken(token: string | undefined, nowSeconds = Date.now() / 1000): Session | null {
  if (!token) return null;
  const claims = decodeTokenClaims(token);
  if (!claims) return null;
  if (claims.exp !== undefined && claims.exp <= nowSeconds) return null;
  return { token, userId: claims.sub, email: claims.email ?? "" };
}

export async function getSession(): Promise<Session | null> {
  const store = await cookies();
  return sessionFromToken(store.get(SESSION_COOKIE)?.value);
}

/** Cookie attributes; Secure when the request came over https (directly or via a proxy). */
export function sessionCookieOptions(request: Request, token?: string) {
  const forwardedProto = request.headers.get("x-forwarded-proto");
  const secure = (forwardedProto ?? new URL(request.url).protocol.replace(":", "")) === "https";
  let maxAge = DEFAULT_MAX_AGE;
  const exp = token ? decodeTokenClaims(token)?.exp : undefined;
  if (exp) maxAge = Math.max(0, Math.floor(exp - Date.now() / 1000));
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure,
    path: "/",
    maxAge,
  };
}
