import { afterEach, describe, expect, it, vi } from "vitest";
import { apiFetch, onUnauthorized } from "@/lib/api-client";
import { ApiError, NETWORK_MESSAGE } from "@/lib/errors";

function mockFetch(impl: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) {
  const spy = vi.fn(impl);
  vi.stubGlobal("fetch", spy);
  return spy;
}

afterEach(() => {
  vi.unstubAllGlobals();
  onUnauthorized(null);
});

describe("apiFetch", () => {
  it("sends JSON and returns the parsed body", async () => {
    const spy = mockFetch(async () => Response.json({ id: 1 }, { status: 201 }));
    await expect(apiFetch("/api/tasks", { method: "POST", body: { title: "x" } })).resolves.toEqual({ id: 1 });
    const [url, init] = spy.mock.calls[0];
    expect(url).toBe("/api/tasks");
    expect(init?.method).toBe("POST");
    expect(init?.body).toBe('{"title":"x"}');
    expect((init?.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
  });

  it("returns undefined for 204", async () => {
    mockFetch(async () => new Response(null, { status: 204 }));
    await expect(apiFetch("/api/tasks/1", { method: "DELETE" })).resolves.toBeUndefined();
  });

  it("throws ApiError with the route handler's message", async () => {
    mockFetch(async () => Response.json({ detail: "The task service is unreachable" }, { status: 503 }));
    const error = await apiFetch("/api/tasks").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).message).toBe("The task service is unreachable");
  });

  it("maps a network failure to a readable message", async () => {
    mockFetch(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(apiFetch("/api/tasks")).rejects.toMatchObject({ status: 0, message: NETWORK_MESSAGE });
  });

  it("copes with a non-JSON error body", async () => {
    mockFetch(async () => new Response("<h1>Bad gateway</h1>", { status: 502 }));
    await expect(apiFetch("/api/tasks")).rejects.toMatchObject({ status: 502, message: expect.stringMatching(/unreachable/) });
  });

  it("calls the unauthorized handler on 401", async () => {
    const handler = vi.fn();
    onUnauthorized(handler);
    mockFetch(async () => Response.json({ detail: "Not authenticated" }, { status: 401 }));
    await expect(apiFetch("/api/tasks")).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledOnce();
  });
});
