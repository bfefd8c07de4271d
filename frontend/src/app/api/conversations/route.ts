import { relay, userPath, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

export function GET() {
  return withSession((session) => relay({ path: userPath(session, "/conversations"), token: session.token }));
}
