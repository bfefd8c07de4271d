import { instrumented } from "@/server/metrics";
import { relay, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

function handleGET() {
  return withSession((session) => relay({ path: userPath(session, "/conversations"), token: session.token }));
}

export const GET = instrumented("/api/conversations", "GET", handleGET);
