import { instrumented } from "@/server/metrics";
import { jsonError, parseId, relay, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

async function handleGET(_request: Request, { params }: Context) {
  const id = parseId((await params).id);
  if (id === null) return jsonError(404, "That conversation was not found.");
  return withSession((session) =>
    relay({ path: userPath(session, `/conversations/${id}/messages`), token: session.token }),
  );
}

export const GET = instrumented("/api/conversations/[id]/messages", "GET", handleGET);
