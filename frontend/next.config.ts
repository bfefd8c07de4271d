import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A self-contained server (`.next/standalone/server.js`) for the container image and the e2e tests.
  output: "standalone",
  poweredByHeader: false,
  reactStrictMode: true,
  // `next dev`'s floating indicator sat on top of the first task's checkbox. Build and runtime
  // errors still open the dev overlay without it.
  devIndicators: false,
  // This app lives inside a monorepo with other lockfiles; pin the tracing root to this folder so
  // the standalone output has server.js at its top level.
  outputFileTracingRoot: __dirname,
  // Loaded from node_modules, not bundled: one copy of the metrics library per server process.
  serverExternalPackages: ["prom-client"],
};

export default nextConfig;
