import { instrumented } from "@/server/metrics";
import { relay, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

function handleGET() {
  return withSession((session) => relay({ path: "/api/auth/me", token: session.token }));
}

export const GET = instrumented("/api/auth/me", "GET", handleGET);
