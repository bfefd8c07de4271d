// Runs once when the Next.js server starts: serves the route handlers' metrics on METRICS_PORT
// (default 9300; METRICS_ENABLED=false turns it off), beside the app's own port.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.METRICS_ENABLED === "false") return;
  const { serveMetrics } = await import("./server/metrics-server");
  serveMetrics();
}
