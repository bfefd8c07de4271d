import { instrumented } from "@/server/metrics";
import { authenticate } from "@/server/authenticate";

export const dynamic = "force-dynamic";

function handlePOST(request: Request) {
  return authenticate(request, "/api/auth/signup");
}

export const POST = instrumented("/api/auth/signup", "POST", handlePOST);
