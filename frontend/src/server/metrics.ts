// Prometheus metrics of the frontend's route handlers (prom-client), and the request id every
// handler passes on to the backend. Served by src/instrumentation.ts on METRICS_PORT, a port of its
// own that the Ingress never routes (docs/operations.md).
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The same buckets as the Python services (todo_core.metrics.LATENCY_BUCKETS). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const VALID_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const REQUEST_ID_HEADER = "X-Request-ID";

export interface Metrics {
  registry: Registry;
  requests: Counter<"method" | "route" | "status">;
  duration: Histogram<"method" | "route">;
  inFlight: Gauge;
}

function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "todo_http_requests_total",
      help: "HTTP requests served, by route template and status class",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: "todo_http_request_duration_seconds",
      help: "Time to serve an HTTP request (a streamed one: until its headers)",
      labelNames: ["method", "route"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "todo_http_requests_in_flight",
      help: "HTTP requests being served now",
      registers: [registry],
    }),
  };
}

// One set per process: Next.js bundles the instrumentation hook and each route separately, and
// `next dev` reloads modules, so the metrics live on globalThis rather than in this module.
const holder = globalThis as typeof globalThis & { __todoMetrics?: Metrics };

export function metrics(): Metrics {
  holder.__todoMetrics ??= createMetrics();
  return holder.__todoMetrics;
}

const context = new AsyncLocalStorage<{ requestId: string }>();

/** The id of the request being handled (for the backend call and 5xx bodies), if any. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

/** Headers that carry the current request's id on a call to the backend. */
export function requestIdHeaders(): Record<string, string> {
  const requestId = currentRequestId();
  return requestId ? { [REQUEST_ID_HEADER]: requestId } : {};
}

/** The caller's X-Request-ID when it is safe to log and forward, else a new one. */
export function acceptedRequestId(raw: string | null | undefined): string {
  return raw && VALID_REQUEST_ID.test(raw) ? raw : randomUUID().replaceAll("-", "");
}

/**
 * Wraps a route handler: counts it by its route template (never the raw path), times it, gives it
 * a request id (passed to the backend by `relay`) and sends that id back as X-Request-ID.
 */
export function instrumented<R extends Request, Args extends unknown[]>(
  route: string,
  method: string,
  handler: (request: R, ...rest: Args) => Response | Promise<Response>,
): (request: R, ...rest: Args) => Promise<Response> {
  return async (request: R, ...rest: Args) => {
    const requestId = acceptedRequestId(request.headers.get(REQUEST_ID_HEADER));
    const m = metrics();
    const stop = m.duration.startTimer({ method, route });
    m.inFlight.inc();
    let status = 500;
    try {
      const response = await context.run({ requestId }, () => handler(request, ...rest));
      status = response.status;
      response.headers.set(REQUEST_ID_HEADER, requestId);
      return response;
    } finally {
      m.inFlight.dec();
      stop();
      m.requests.inc({ method, route, status: `${Math.floor(status / 100)}xx` });
    }
  };
}
