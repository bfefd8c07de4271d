import { instrumented } from "@/server/metrics";
import { jsonError, parseId, readJson, relay, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

const NOT_FOUND = "That task was not found. It may have been deleted.";

async function handleGET(_request: Request, { params }: Context) {
  const id = parseId((await params).id);
  if (id === null) return jsonError(404, NOT_FOUND);
  return withSession((session) => relay({ path: userPath(session, `/tasks/${id}`), token: session.token }));
}

async function handlePUT(request: Request, { params }: Context) {
  const id = parseId((await params).id);
  if (id === null) return jsonError(404, NOT_FOUND);
  return withSession(async (session) => {
    const body = await readJson(request);
    if (!body || typeof body !== "object") return jsonError(400, "Send the changes as JSON.");
    return relay({ method: "PUT", path: userPath(session, `/tasks/${id}`), body, token: session.token });
  });
}

async function handleDELETE(_request: Request, { params }: Context) {
  const id = parseId((await params).id);
  if (id === null) return jsonError(404, NOT_FOUND);
  return withSession((session) =>
    relay({ method: "DELETE", path: userPath(session, `/tasks/${id}`), token: session.token }),
  );
}

export const GET = instrumented("/api/tasks/[id]", "GET", handleGET);
export const PUT = instrumented("/api/tasks/[id]", "PUT", handlePUT);
export const DELETE = instrumented("/api/tasks/[id]", "DELETE", handleDELETE);
