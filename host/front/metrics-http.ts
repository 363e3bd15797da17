// The HTTP endpoint Prometheus scrapes: GET /metrics, nothing else.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FrontMetrics } from "./front-metrics.js";

/** A listening metrics endpoint. */
export interface MetricsEndpoint {
  /** `http://127.0.0.1:PORT/metrics`. */
  url: string;
  /** Stops listening and closes idle keep-alive connections. */
  close(): Promise<void>;
}

/** Serves `metrics` on http://HOST:PORT/metrics; port 0 lets the OS choose one. */
export async function listenMetrics(metrics: FrontMetrics, options: { host: string; port: number }): Promise<MetricsEndpoint> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" || path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("cghost serves only GET /metrics here\n");
      return;
    }
    metrics.text().then(
      (text) => response.writeHead(200, { "content-type": metrics.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
