export const dynamic = "force-dynamic";

/** Liveness: the Next server is up. It deliberately does not call the backend. */
export function GET() {
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}
