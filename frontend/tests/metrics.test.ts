// @vitest-environment node
import { afterEach, describe, expect, it, vi } from "vitest";
import { relay } from "@/server/backend";
import { acceptedRequestId, instrumented, metrics } from "@/server/metrics";

async function count(route: string, status: string): Promise<number> {
  const { values } = await metrics().requests.get();
  return values.find((v) => v.labels.route === route && v.labels.status === status)?.value ?? 0;
}

describe("route handler metrics and request ids", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("keeps a safe X-Request-ID and replaces anything else", () => {
    expect(acceptedRequestId("abc-123_x.y:z")).toBe("abc-123_x.y:z");
    for (const bad of ["has space", "a".repeat(129), "", null, "-dash"]) {
      expect(acceptedRequestId(bad)).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it("counts by route template, times, and passes the id on to the backend", async () => {
    const fetchMock = vi.fn(async () => Response.json({ detail: "boom" }, { status: 503 }));
    vi.stubGlobal("fetch", fetchMock);
    const handler = instrumented("/api/tasks/[id]", "GET", () => relay({ path: "/api/u/tasks/7" }));
    const before = await count("/api/tasks/[id]", "5xx");

    const response = await handler(new Request("http://x/api/tasks/7", { headers: { "X-Request-ID": "given-1" } }));

    expect(response.headers.get("X-Request-ID")).toBe("given-1");
    const sent = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect((sent[1].headers as Record<string, string>)["X-Request-ID"]).toBe("given-1");
    expect(await count("/api/tasks/[id]", "5xx")).toBe(before + 1);
    const text = await metrics().registry.metrics();
    expect(text).toContain('todo_http_request_duration_seconds_count{method="GET",route="/api/tasks/[id]"}');
    expect(text).not.toContain("/api/tasks/7");
  });

  it("gives its own 5xx answers the request id", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("connection refused"))));
    const handler = instrumented("/api/tasks", "GET", () => relay({ path: "/api/u/tasks" }));
    const response = await handler(new Request("http://x/api/tasks"));
    expect(response.status).toBe(503);
    const body = (await response.json()) as { request_id?: string };
    expect(body.request_id).toBe(response.headers.get("X-Request-ID"));
  });
});
