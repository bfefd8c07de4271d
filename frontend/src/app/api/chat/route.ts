import { CHAT_TIMEOUT_MS, jsonError, readJson, relay, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
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
