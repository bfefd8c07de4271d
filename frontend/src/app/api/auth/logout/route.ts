import { NextResponse } from "next/server";
import { SESSION_COOKIE } from "@/server/session";

export const dynamic = "force-dynamic";

/** Logging out only forgets the token here; JWTs are stateless on the backend. */
export function POST() {
  const response = new NextResponse(null, { status: 204 });
  response.cookies.delete(SESSION_COOKIE);
  return response;
}
