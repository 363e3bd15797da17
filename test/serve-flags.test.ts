// The sidecar flags a driver's command line takes (plugin-sdk/serve-flags.ts): every combination
// that can work becomes serve()'s options, every one that cannot is refused naming the flag.
import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { SERVE_FLAGS, serveFlagsHelp, serveOptionsFromFlags, ServeFlagsError } from "../plugin-sdk/index.js";

function options(...args: string[]) {
  return serveOptionsFromFlags(parseArgs({ args, options: SERVE_FLAGS, strict: true }).values);
}

describe("serveOptionsFromFlags", () => {
  it("turns each workable combination into serve()'s transport options", () => {
    expect(options()).toEqual({});
    expect(options("--address", "unix:///run/d.sock")).toEqual({ address: "unix:///run/d.sock" });
    expect(options("--address", "127.0.0.1:50051", "--insecure")).toEqual({ address: "127.0.0.1:50051", insecure: true });
    expect(options("--address", "0.0.0.0:50051", "--tls-ca", "ca.pem", "--tls-cert", "c.pem", "--tls-key", "k.pem")).toEqual({
      address: "0.0.0.0:50051",
      tls: { caFile: "ca.pem", certFile: "c.pem", keyFile: "k.pem" },
    });
  });

  it.each([
    [["--address", "127.0.0.1:50051"], "--address 127.0.0.1:50051 is a TCP address, which needs mutual TLS (--tls-ca, --tls-cert and --tls-key) or --insecure"],
    [["--address", ""], "--address needs a value"],
    [["--insecure"], "--insecure applies to a sidecar on host:port: give --address too"],
    [["--tls-cert", "c.pem"], "--tls-cert applies to a sidecar on host:port: give --address too"],
    [["--address", "unix:///run/d.sock", "--insecure"], "--insecure applies to host:port addresses; unix:///run/d.sock is a Unix socket"],
    [["--address", "[::1]:1", "--tls-ca", "ca.pem", "--insecure"], "--insecure and --tls-* exclude each other"],
    [["--address", "[::1]:1", "--tls-ca", "ca.pem"], "missing --tls-cert, --tls-key"],
    [["--address", "[::1]:1", "--tls-ca", "", "--tls-cert", "c", "--tls-key", "k"], "--tls-ca needs a file name"],
  ])("refuses %j, naming the flag", (args, message) => {
    expect(() => options(...args)).toThrow(ServeFlagsError);
    expect(() => options(...args)).toThrow(message);
  });

  it("documents every flag at the column asked for", () => {
    const help = serveFlagsHelp(22);
    for (const flag of Object.keys(SERVE_FLAGS)) expect(help).toMatch(new RegExp(`^ {2}--${flag}\\b`, "m"));
    expect(help).toMatch(/^ {2}--address ADDR {6}run as a sidecar/m);
  });
});
