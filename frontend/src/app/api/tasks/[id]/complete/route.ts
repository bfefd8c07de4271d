import { instrumented } from "@/server/metrics";
import { jsonError, parseId, relay, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** Toggles completion. */
async function handlePATCH(_request: Request, { params }: Context) {
  const id = parseId((await params).id);
  if (id === null) return jsonError(404, "That task was not found. It may have been deleted.");
  return withSession((session) =>
    relay({ method: "PATCH", path: userPath(session, `/tasks/${id}/complete`), token: session.token }),
  );
}

export const PATCH = instrumented("/api/tasks/[id]/complete", "PATCH", handlePATCH);
