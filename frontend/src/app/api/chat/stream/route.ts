import { instrumented, requestIdHeaders } from "@/server/metrics";
import { NextResponse } from "next/server";
import { UNREACHABLE_MESSAGE, messageFromBody } from "@/lib/errors";
import { backendUrl, jsonError, readJson, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

/** Proxies must neither buffer nor compress the stream, or the text arrives all at once. */
const STREAM_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
};

/**
 * A streamed chat turn: the backend's server-sent events, passed through as they arrive. The
 * browser going away aborts the upstream request; the backend still finishes and stores the turn.
 */
function handlePOST(request: Request) {
  return withSession(async (session) => {
    const body = await readJson(request);
    if (!body || typeof body !== "object") return jsonError(400, "Send the message as JSON.");
    let upstream: Response;
    try {
      upstream = await fetch(`${backendUrl()}${userPath(session, "/chat/stream")}`, {
        method: "POST",
        headers: {
          ...requestIdHeaders(),
          Accept: "text/event-stream",
          Authorization: `Bearer ${session.token}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify(body),
        cache: "no-store",
        signal: request.signal,
      });
    } catch (error) {
      console.error(`backend unreachable at ${backendUrl()}: ${String(error)}`);
      return jsonError(503, UNREACHABLE_MESSAGE);
    }
    const streamed = upstream.headers.get("content-type")?.startsWith("text/event-stream");
    if (!upstream.ok || !upstream.body || !streamed) {
      const text = await upstream.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      const status = upstream.ok ? 502 : upstream.status;
      return jsonError(status, messageFromBody(parsed, status));
    }
    return new NextResponse(upstream.body, { status: 200, headers: STREAM_HEADERS });
  });
}

export const POST = instrumented("/api/chat/stream", "POST", handlePOST);
