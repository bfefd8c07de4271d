// The one place the frontend's server code talks to the backend. BACKEND_URL is read per
// request (run time), so one image works in every environment.
import { NextResponse } from "next/server";
import { TIMEOUT_MESSAGE, UNREACHABLE_MESSAGE, messageFromBody } from "@/lib/errors";
import { currentRequestId, requestIdHeaders } from "./metrics";
import { SESSION_COOKIE, getSession, type Session } from "./session";

export const DEFAULT_BACKEND_URL = "http://127.0.0.1:8000";
const DEFAULT_TIMEOUT_MS = 15_000;
/** A chat turn runs the agent and its tools (and maybe a remote LLM): allow longer. */
export const CHAT_TIMEOUT_MS = 120_000;

export function backendUrl(): string {
  const raw = process.env.BACKEND_URL?.trim();
  return (raw || DEFAULT_BACKEND_URL).replace(/\/+$/, "");
}

export interface BackendCall {
  method?: string;
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  token?: string;
  timeoutMs?: number;
  /** The browser's address chain (X-Forwarded-For), for the backend's per-address login limits. */
  forwardedFor?: string | null;
}

export function jsonError(status: number, detail: string): NextResponse {
  // A failure on our side carries the request id, so a support request can find its log lines.
  const requestId = status >= 500 ? currentRequestId() : undefined;
  const body = requestId ? { detail, request_id: requestId } : { detail };
  return NextResponse.json(body, { status, headers: { "Cache-Control": "no-store" } });
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
}

/**
 * Calls the backend and relays its answer as a route-handler response. Failures to reach it
 * become 503/504 with a readable `detail`; a non-JSON answer becomes 502.
 */
export async function relay(call: BackendCall): Promise<NextResponse> {
  const url = `${backendUrl()}${call.path}${call.query && [...call.query].length ? `?${call.query}` : ""}`;
  const headers: Record<string, string> = { Accept: "application/json", ...requestIdHeaders() };
  if (call.token) headers.Authorization = `Bearer ${call.token}`;
  if (call.body !== undefined) headers["Content-Type"] = "application/json";
  if (call.forwardedFor) headers["X-Forwarded-For"] = call.forwardedFor;

  let upstream: Response;
  try {
    upstream = await fetch(url, {
      method: call.method ?? "GET",
      headers,
      body: call.body !== undefined ? JSON.stringify(call.body) : undefined,
      cache: "no-store",
      signal: AbortSignal.timeout(call.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    if (isTimeout(error)) {
      console.error(`backend ${call.method ?? "GET"} ${call.path} timed out`);
      return jsonError(504, TIMEOUT_MESSAGE);
    }
    console.error(`backend unreachable at ${backendUrl()}: ${String(error)}`);
    return jsonError(503, UNREACHABLE_MESSAGE);
  }

  if (upstream.status === 204) {
    return new NextResponse(null, { status: 204 });
  }

  const text = await upstream.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = undefined;
  }

  if (body === undefined) {
    console.error(`backend ${call.path} answered ${upstream.status} with a non-JSON body`);
    const status = upstream.ok || upstream.status >= 500 ? 502 : upstream.status;
    return jsonError(status, messageFromBody(null, status));
  }

  const response = NextResponse.json(body, {
    status: upstream.status,
    headers: { "Cache-Control": "no-store" },
  });
  if (upstream.status === 401) response.cookies.delete(SESSION_COOKIE);
  return response;
}

type Handler = (session: Session) => Promise<NextResponse>;

/** Runs `handler` with the caller's session, or answers 401 when there is none. */
export async function withSession(handler: Handler): Promise<NextResponse> {
  const session = await getSession();
  if (!session) {
    const response = jsonError(401, "You are not logged in. Please log in again.");
    response.cookies.delete(SESSION_COOKIE);
    return response;
  }
  return handler(session);
}

export function userPath(session: Session, rest: string): string {
  return `/api/${encodeURIComponent(session.userId)}${rest}`;
}

/** Parses a JSON request body, or null when it is not JSON. */
export async function readJson(request: Request): Promise<unknown | null> {
  try {
    return await request.json();
  } catch {
    return null;
  }
}

/** Route ids are integers; anything else is a 404 without calling the backend. */
export function parseId(raw: string): number | null {
  return /^\d{1,12}$/.test(raw) ? Number(raw) : null;
}
