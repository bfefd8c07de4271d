import { instrumented } from "@/server/metrics";
import { authenticate } from "@/server/authenticate";

export const dynamic = "force-dynamic";

function handlePOST(request: Request) {
  return authenticate(request, "/api/auth/login");
}

export const POST = instrumented("/api/auth/login", "POST", handlePOST);
