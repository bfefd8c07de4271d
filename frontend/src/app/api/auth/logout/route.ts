import { instrumented } from "@/server/metrics";
import { NextResponse } from "next/server";
import { relay } from "@/server/backend";
import { SESSION_COOKIE, getSession } from "@/server/session";

export const dynamic = "force-dynamic";

/**
 * Ends the session on the backend (the token is revoked there, for every service) and forgets
 * the cookie here. The cookie goes even when the backend cannot be reached; the answer then says
 * so (503), because the token itself is still valid until it expires.
 */
async function handlePOST() {
  const session = await getSession();
  let response: NextResponse = new NextResponse(null, { status: 204 });
  if (session) {
    const upstream = await relay({ method: "POST", path: "/api/auth/logout", token: session.token });
    // 401: already revoked or expired, which is what logging out wants anyway.
    if (!upstream.ok && upstream.status !== 401) response = upstream;
  }
  response.cookies.delete(SESSION_COOKIE);
  return response;
}

export const POST = instrumented("/api/auth/logout", "POST", handlePOST);
