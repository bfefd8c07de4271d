import { createServer } from "node:http";
import { metrics } from "./metrics";

const DEFAULT_METRICS_PORT = 9300;

/** GET /metrics on HOSTNAME:METRICS_PORT (the address the app itself binds to). */
export function serveMetrics(): void {
  const port = Number(process.env.METRICS_PORT ?? DEFAULT_METRICS_PORT);
  const host = process.env.HOSTNAME || "127.0.0.1";
  const server = createServer(async (request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    const { registry } = metrics();
    response.writeHead(200, { "Content-Type": registry.contentType });
    response.end(await registry.metrics());
  });
  server.on("error", (error) => {
    console.error(`cannot serve metrics on ${host}:${port} (${String(error)}): set METRICS_PORT or METRICS_ENABLED=false`);
  });
  server.listen(port, host, () => console.log(`metrics served on ${host}:${port}/metrics`));
  server.unref(); // never what keeps the process alive
}
