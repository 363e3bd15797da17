// `cghost serve`: runs the host as a long-lived process with its gRPC front API and metrics,
// until SIGTERM or SIGINT, then stops cleanly.
import { basename, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { DEFAULT_DEADLINES_MS } from "../manager/deadlines.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_STOP_GRACE_MS } from "../plugin/index.js";
import { resolveSupervision } from "../plugin/supervision-options.js";
import { CliUsageError, type Command } from "./command.js";
import { DEFAULT_DATA_DIR } from "./data-dir.js";
import { EXIT } from "./exit-codes.js";
import { loadServeConfig, type ServeConfig } from "./serve-config.js";
import { startServer, StoppedWhileStartingError, type RunningServer } from "./serve-process.js";

const HELP = `Usage: cghost serve [--config FILE] [--data-dir DIR] [options]

Runs the host as a long-lived process: opens the SQLite store, starts the driver plugin, and
serves the gRPC front API (cghost.v1.HostService, with gRPC health and reflection) on a Unix
socket and Prometheus metrics on http://127.0.0.1:PORT/metrics. With no configuration it uses
DIR/cghost.db, launches the example file driver with its files in DIR/file-driver, and listens
on DIR/cghost.sock. Once ready it writes DIR/serve.json (pid, addresses) and prints where
everything is. SIGTERM or Ctrl-C stops it: new calls are refused, calls in flight finish, the
plugin stops, the store closes.

Options:
  --config FILE        a JSON configuration; every key is optional (docs/cli.md lists them)
  --data-dir DIR       where the store, the socket and the file driver's files live
                       (default ${DEFAULT_DATA_DIR}; overrides the file's dataDir)
  --durability MODE    normal: survives a crash of this process (default);
                       full: also survives power loss, at an fsync per commit
  --metrics-port N     serve /metrics on 127.0.0.1:N (default 0: a free port, shown at start)
  --log-level LEVEL    trace, debug, info (default), warn, error, fatal or silent;
                       logs are JSON lines on standard error
  --print-config       print the configuration in effect, defaults filled in, and exit
  -h, --help           print this help

Exit codes: 0 stopped cleanly, 2 bad configuration, 3 the data directory is already served,
4 the plugin could not be started, 1 anything else.

Examples:
  cghost serve
  cghost serve --data-dir /var/lib/cghost --durability full
  cghost serve --config /etc/cghost/serve.json
`;

/** The serve command. */
export const serveCommand: Command = {
  name: "serve",
  summary: "run the host with its gRPC front API and metrics (default: the example file driver)",
  help: HELP,
  async run(argv) {
    let values: { config?: string; "data-dir"?: string; durability?: string; "metrics-port"?: string; "log-level"?: string; "print-config"?: boolean; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          config: { type: "string" },
          "data-dir": { type: "string" },
          durability: { type: "string" },
          "metrics-port": { type: "string" },
          "log-level": { type: "string" },
          "print-config": { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      throw new CliUsageError(error instanceof Error ? error.message : String(error), "serve");
    }
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.OK;
    }
    const config = loadServeConfig(values.config, {
      ...(values["data-dir"] === undefined ? {} : { dataDir: values["data-dir"] }),
      ...(values.durability === undefined ? {} : { durability: values.durability }),
      ...(values["metrics-port"] === undefined ? {} : { metricsPort: values["metrics-port"] }),
      ...(values["log-level"] !== undefined
        ? { logLevel: values["log-level"], logLevelFrom: "--log-level" }
        : process.env.CGHOST_LOG_LEVEL
          ? { logLevel: process.env.CGHOST_LOG_LEVEL, logLevelFrom: "CGHOST_LOG_LEVEL" }
          : {}),
    });
    if (values["print-config"]) {
      process.stdout.write(`${JSON.stringify(printable(config), null, 2)}\n`);
      return EXIT.OK;
    }
    return serve(config);
  },
};

async function serve(config: ServeConfig): Promise<number> {
  const logger = pino({ level: config.log.level }, pino.destination(2));
  // Signals are caught from the start: a stop asked for during start-up happens once it is up,
  // so the plugin child is never left behind.
  let stopRequested: (signal: NodeJS.Signals) => void = () => undefined;
  const stopAsked = new Promise<NodeJS.Signals>((resolveStop) => (stopRequested = resolveStop));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      logger.info({ signal }, "stopping: refusing new calls, finishing calls in flight, then stopping the plugin");
      stopRequested(signal);
    } else {
      logger.warn({ signal }, "already stopping; waiting for calls in flight and the plugin to stop");
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  let server: RunningServer;
  try {
    server = await startServer(config, logger, (line) => process.stdout.write(`${line}\n`), stopAsked);
  } catch (error) {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    if (!(error instanceof StoppedWhileStartingError)) throw error;
    // What it was settling stays open; the next start settles it (RULES.md section 9).
    process.stdout.write("Stopping: a stop was asked while cghost was starting.\n");
    logger.info("stopped while settling; the next start settles what is left");
    return EXIT.OK;
  }
  if (signals === 0) {
    process.stdout.write(banner(config, server));
    logger.info({ address: server.state.address, metrics: server.state.metricsUrl, plugin: server.state.plugin }, "serving");
  } else {
    // Asked to stop while starting (and perhaps recovering): it stops now, without announcing itself.
    process.stdout.write("Stopping: a stop was asked while cghost was starting.\n");
  }
  await stopAsked;
  await server.stop();
  logger.info("stopped");
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  return EXIT.OK;
}

function banner(config: ServeConfig, server: RunningServer): string {
  const { state } = server;
  const cli = invocation();
  const dataDirFlag = config.dataDir === resolve(DEFAULT_DATA_DIR) ? "" : ` --data-dir ${relativeOrAbsolute(config.dataDir)}`;
  const plugin = state.plugin;
  return [
    "cghost is serving.",
    `  front API   ${state.address}  (gRPC cghost.v1.HostService, health, reflection)`,
    `  metrics     ${state.metricsUrl ?? "off"}`,
    `  store       ${config.store.path} (durability ${config.store.durability})`,
    `  plugin      ${plugin.name} ${plugin.version}${plugin.pid ? `, pid ${plugin.pid}` : ""}: ${config.plugin.description}`,
    `  serve.json  ${resolve(config.dataDir, "serve.json")}`,
    ...(server.recovery.recovered.length > 0
      ? [`  recovered   ${server.recovery.recovered.length} operation(s) a previous server left unfinished (see the log)`]
      : []),
    "",
    "Try it from another terminal in this directory:",
    `  ${cli} volume create --size-gb 1 --volume-type standard${dataDirFlag}`,
    `  ${cli} group create --name demo --volume-type standard${dataDirFlag}`,
    `  ${cli} --help`,
    "",
    `Stop with Ctrl-C or SIGTERM: calls in flight get ${seconds(config.shutdownGraceMs)} to finish (shutdownGraceMs); the next start settles the rest.`,
    "",
  ].join("\n");
}

/** How the person ran this command: `cghost` when installed, else `node path/to/main.js`. */
function invocation(): string {
  const script = process.argv[1] ?? "cghost";
  if (basename(script) === "cghost") return "cghost";
  return `node ${relativeOrAbsolute(script)}`;
}

function relativeOrAbsolute(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}

/** The configuration as --print-config shows it: the same keys as the file. */
function printable(config: ServeConfig): Record<string, unknown> {
  // `name` only labels log lines; it is no key of the configuration file.
  const { name: _label, ...given } = config.plugin.target as ServeConfig["plugin"]["target"] & { name?: string };
  // Every setting the plugin layer would default, filled in, as for the deadlines below.
  const target =
    "address" in given
      ? { connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS, ...given }
      : {
          transport: "unix",
          handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
          stopGraceMs: DEFAULT_STOP_GRACE_MS,
          connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
          ...given,
        };
  return {
    dataDir: config.dataDir,
    store: config.store,
    api: config.api,
    metrics: config.metrics,
    plugins: [
      {
        ...target,
        deadlinesMs: { ...DEFAULT_DEADLINES_MS, ...config.plugin.deadlinesMs },
        supervision: resolveSupervision(config.plugin.supervision),
      },
    ],
    shutdownGraceMs: config.shutdownGraceMs,
    log: config.log,
    ...(config.source ? { source: config.source } : {}),
  };
}

/** A grace in words: "30 s", "1.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
