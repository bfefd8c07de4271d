import { instrumented } from "@/server/metrics";
export const dynamic = "force-dynamic";

/** Liveness: the Next server is up. It deliberately does not call the backend. */
function handleGET() {
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}

export const GET = instrumented("/api/health", "GET", handleGET);
