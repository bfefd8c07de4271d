import { authenticate } from "@/server/authenticate";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return authenticate(request, "/api/auth/signup");
}
