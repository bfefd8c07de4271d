import { relay, withSession } from "@/server/backend";

export const dynamic = "force-dynamic";

export function GET() {
  return withSession((session) => relay({ path: "/api/auth/me", token: session.token }));
}
