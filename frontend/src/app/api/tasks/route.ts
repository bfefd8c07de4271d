import { instrumented } from "@/server/metrics";
import type { NextRequest } from "next/server";
import { jsonError, readJson, relay, userPath, withSession } from "@/server/backend";
import { pickTaskQuery } from "@/lib/tasks";

export const dynamic = "force-dynamic";

function handleGET(request: NextRequest) {
  return withSession((session) =>
    relay({
      path: userPath(session, "/tasks"),
      query: pickTaskQuery(request.nextUrl.searchParams),
      token: session.token,
    }),
  );
}

function handlePOST(request: Request) {
  return withSession(async (session) => {
    const body = await readJson(request);
    if (!body || typeof body !== "object") return jsonError(400, "Send the task as JSON.");
    return relay({ method: "POST", path: userPath(session, "/tasks"), body, token: session.token });
  });
}

export const GET = instrumented("/api/tasks", "GET", handleGET);
export const POST = instrumented("/api/tasks", "POST", handlePOST);
