import { NextResponse } from "next/server";
import { jsonError, readJson, relay } from "@/server/backend";
import { SESSION_COOKIE, sessionCookieOptions } from "@/server/session";

/**
 * Forwards a login/sign-up to the backend; on success keeps the token in the session cookie
 * and gives the browser only the user (the token never reaches page scripts).
 */
export async function authenticate(request: Request, backendPath: string): Promise<NextResponse> {
  const body = await readJson(request);
  if (!body || typeof body !== "object") return jsonError(400, "Send the form as JSON.");
  // Next.js sets X-Forwarded-For to the client's address (or keeps the one a proxy in front set);
  // the backend counts failed logins per address from it (FORWARDED_ALLOW_IPS names this server).
  const upstream = await relay({
    method: "POST",
    path: backendPath,
    body,
    forwardedFor: request.headers.get("x-forwarded-for"),
  });
  if (!upstream.ok) return upstream;

  const data = (await upstream.json()) as { token?: unknown; user?: unknown };
  if (typeof data.token !== "string" || !data.token) {
    return jsonError(502, "The task service answered without a session token.");
  }
  const response = NextResponse.json({ user: data.user ?? null }, { status: upstream.status });
  response.cookies.set(SESSION_COOKIE, data.token, sessionCookieOptions(request, data.token));
  return response;
}
