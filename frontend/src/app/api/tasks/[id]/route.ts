import { jsonError, parseId, readJson, relay, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

const NOT_FOUND = "That task was not found. It may have been deleted.";

export async function GET(_request: Request, { params }: Context) {
  const id = parseId((await params).id);
  if (id === null) return jsonError(404, NOT_FOUND);
  return withSession((session) => relay({ path: userPath(session, `/tasks/${id}`), token: session.token }));
}

export async function PUT(request: Request, { params }: Context) {
  const id = parseId((await params).id);
  if (id === null) return jsonError(404, NOT_FOUND);
  return withSession(async (session) => {
    const body = await readJson(request);
    if (!body || typeof body !== "object") return jsonError(400, "Send the changes as JSON.");
    return relay({ method: "PUT", path: userPath(session, `/tasks/${id}`), body, token: session.token });
  });
}

export async function DELETE(_request: Request, { params }: Context) {
  const id = parseId((await params).id);
  if (id === null) return jsonError(404, NOT_FOUND);
  return withSession((session) =>
    relay({ method: "DELETE", path: userPath(session, `/tasks/${id}`), token: session.token }),
  );
}
