import { instrumented } from "@/server/metrics";
import { CHAT_TIMEOUT_MS, jsonError, readJson, relay, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

function handlePOST(request: Request) {
  return withSession(async (session) => {
    const body = await readJson(request);
    if (!body || typeof body !== "object") return jsonError(400, "Send the message as JSON.");
    return relay({
      method: "POST",
      path: userPath(session, "/chat"),
      body,
      token: session.token,
      timeoutMs: CHAT_TIMEOUT_MS,
    });
  });
}

export const POST = instrumented("/api/chat", "POST", handlePOST);
