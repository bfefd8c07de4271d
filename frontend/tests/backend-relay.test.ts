// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UNREACHABLE_MESSAGE } from "@/lib/errors";
import { backendUrl, relay } from "@/server/backend";
import { SESSION_COOKIE, decodeTokenClaims, sessionFromToken } from "@/server/session";

function token(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}.signature`;
}

describe("session tokens", () => {
  it("reads the user id and email from the claims", () => {
    const t = token({ sub: "u-1", email: "a@b.co", exp: 2_000_000_000 });
    expect(decodeTokenClaims(t)).toEqual({ sub: "u-1", email: "a@b.co", exp: 2_000_000_000 });
    expect(sessionFromToken(t, 1_000)).toEqual({ token: t, userId: "u-1", email: "a@b.co" });
  });
  it("rejects malformed and expired tokens", () => {
    expect(sessionFromToken("not-a-jwt")).toBeNull();
    expect(sessionFromToken(token({ email: "no sub" }))).toBeNull();
    expect(sessionFromToken(token({ sub: "u", exp: 10 }), 11)).toBeNull();
    expect(sessionFromToken(undefined)).toBeNull();
  });
});

describe("relay", () => {
  const saved = process.env.BACKEND_URL;
  beforeEach(() => {
    process.env.BACKEND_URL = "http://backend.test:8000/";
  });
  afterEach(() => {
    process.env.BACKEND_URL = saved;
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it("reads BACKEND_URL at call time, with a loopback default", () => {
    expect(backendUrl()).toBe("http://backend.test:8000");
    delete process.env.BACKEND_URL;
    expect(backendUrl()).toBe("http://127.0.0.1:8000");
  });

  it("forwards the bearer token, query and body, and relays the answer", async () => {
    const fetchSpy = vi.fn(async () => Response.json({ items: [], total: 0 }, { status: 200 }));
    vi.stubGlobal("fetch", fetchSpy);
    const res = await relay({
      method: "POST",
      path: "/api/u1/tasks",
      query: new URLSearchParams("status=all"),
      body: { title: "t" },
      token: "jwt",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [], total: 0 });
    const [url, init] = fetchSpy.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("http://backend.test:8000/api/u1/tasks?status=all");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer jwt");
    expect(init.body).toBe('{"title":"t"}');
  });

  it("passes the client's address on, for the backend's per-address login limits", async () => {
    const fetchSpy = vi.fn(async () => Response.json({ detail: "too many login attempts" }, { status: 429 }));
    vi.stubGlobal("fetch", fetchSpy);
    const res = await relay({ method: "POST", path: "/api/auth/login", body: {}, forwardedFor: "203.0.113.9" });
    expect(res.status).toBe(429);
    const [, init] = fetchSpy.mock.calls[0] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>)["X-Forwarded-For"]).toBe("203.0.113.9");
    await relay({ path: "/api/u1/tasks", token: "jwt" });
    const [, plain] = fetchSpy.mock.calls[1] as unknown as [string, RequestInit];
    expect((plain.headers as Record<string, string>)["X-Forwarded-For"]).toBeUndefined();
  });

  it("answers 503 with a readable message when the backend is unreachable", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.stubGlobal("fetch", vi.fn(async () => {
      throw new TypeError("fetch failed");
    }));
    const res = await relay({ path: "/api/u1/tasks", token: "jwt" });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ detail: UNREACHABLE_MESSAGE });
  });

  it("answers 504 on a timeout", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.stubGlobal("fetch", vi.fn(async () => {
      throw new DOMException("timed out", "TimeoutError");
    }));
    const res = await relay({ path: "/api/u1/tasks" });
    expect(res.status).toBe(504);
  });

  it("turns a non-JSON error into 502 JSON", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.stubGlobal("fetch", vi.fn(async () => new Response("Internal Server Error", { status: 500 })));
    const res = await relay({ path: "/api/u1/tasks" });
    expect(res.status).toBe(502);
    expect((await res.json()).detail).toMatch(/unreachable/);
  });

  it("passes 204 through and clears the session cookie on 401", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
    expect((await relay({ method: "DELETE", path: "/api/u1/tasks/1" })).status).toBe(204);

    vi.stubGlobal("fetch", vi.fn(async () => Response.json({ detail: "Invalid token" }, { status: 401 })));
    const res = await relay({ path: "/api/auth/me", token: "bad" });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toMatch(new RegExp(`${SESSION_COOKIE}=;`));
  });
});
