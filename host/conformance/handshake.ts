// The handshake check: the plugin started (the launched-child handshake of proto/README.md, or a
// sidecar connection), and PluginService answers as plugin.proto says: a valid name and version,
// a contract version the host speaks, valid capabilities, ready, and the same identity when asked
// again. The standard health service is optional ("should"); when served it must say SERVING.
import { Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import type { GetPluginInfoResponse } from "../contract.js";
import { failed, passed, type CheckContext, type CheckVerdict, type ConformanceCheck } from "./check.js";

const PLUGIN_NAME = /^[a-z0-9][a-z0-9-]*$/;
const HEALTH_CHECK = "/grpc.health.v1.Health/Check";
const HEALTH_STATES = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

export const handshakeCheck: ConformanceCheck = {
  name: "handshake",
  title: "the plugin starts, completes the handshake, and PluginService answers as plugin.proto says",
  needsPlugin: true,
  async run(ctx: CheckContext): Promise<CheckVerdict> {
    const { client } = ctx;
    const problems: string[] = [];
    const details = [
      `${ctx.target}: ${client.pid === undefined ? "connected" : `launched (pid ${client.pid}), handshake line accepted,`} at ${client.address}`,
      `GetPluginInfo: name ${JSON.stringify(client.info.name)}, version ${JSON.stringify(client.info.vendorVersion)}, contract versions ${client.info.contractVersions.join(", ")} (using ${client.contractVersion ?? "?"})`,
      `GetCapabilities: ${client.capabilities.operations.join(", ") || "no operations"}` +
        (client.capabilities.createFromSourceKinds.length > 0 ? `; create-from-source kinds: ${client.capabilities.createFromSourceKinds.join(", ")}` : ""),
    ];
    if (!PLUGIN_NAME.test(client.info.name)) problems.push(`GetPluginInfo.name ${JSON.stringify(client.info.name)} is not lower case letters, digits and dashes`);
    if (client.info.vendorVersion === "") problems.push("GetPluginInfo.vendor_version is empty; report the plugin's own version, e.g. 1.4.2");

    const probe = await client.probe({ deadlineMs: ctx.settings.callDeadlineMs });
    details.push(`Probe: ${probe.ready ? "ready" : `not ready (${probe.message})`}`);
    if (!probe.ready) problems.push(`Probe says not ready (${probe.message || "no message"}); the host refuses every call while it does`);

    const again = await pluginInfo(ctx);
    if (typeof again === "string") problems.push(`GetPluginInfo asked again failed: ${again}`);
    else if (again.name !== client.info.name || again.vendorVersion !== client.info.vendorVersion) {
      problems.push(`GetPluginInfo asked again named ${again.name} ${again.vendorVersion}, not ${client.info.name} ${client.info.vendorVersion}: a plugin's identity must be stable`);
    }

    const health = await healthState(ctx);
    if (health === "UNIMPLEMENTED") details.push("grpc.health.v1.Health: not served (optional; proto/README.md says a plugin should serve it)");
    else if (health === "SERVING") details.push("grpc.health.v1.Health: SERVING");
    else problems.push(`grpc.health.v1.Health answered ${health} for the overall service "": it must say SERVING once the plugin can take calls`);

    if (problems.length > 0) return failed(problems[0]!, [...problems.slice(1), ...details]);
    return passed(`${client.info.name} ${client.info.vendorVersion} started and answers PluginService correctly`, details);
  },
};

function pluginInfo(ctx: CheckContext): Promise<GetPluginInfoResponse | string> {
  const plugin = ctx.session.channel().plugin;
  return new Promise((resolve) => {
    plugin.getPluginInfo({}, new Metadata(), { deadline: Date.now() + ctx.settings.callDeadlineMs }, (error, response) => {
      resolve(error === null ? response : `${GrpcStatus[error.code] ?? error.code}: ${error.details}`);
    });
  });
}

/** The overall health state, "UNIMPLEMENTED" when the service is not served, or a failure line. */
function healthState(ctx: CheckContext): Promise<string> {
  const channel = ctx.session.channel();
  return new Promise((resolve) => {
    // HealthCheckRequest{service: ""} encodes to no bytes; the response is field 1, a varint.
    channel.driver.makeUnaryRequest<Buffer, Buffer>(
      HEALTH_CHECK,
      (value) => value,
      (value) => value,
      Buffer.alloc(0),
      new Metadata(),
      { deadline: Date.now() + ctx.settings.callDeadlineMs },
      (error: ServiceError | null, response?: Buffer) => {
        if (error !== null) {
          resolve(error.code === GrpcStatus.UNIMPLEMENTED ? "UNIMPLEMENTED" : `${GrpcStatus[error.code] ?? error.code} (${error.details})`);
          return;
        }
        const state = response !== undefined && response.length >= 2 && response[0] === 0x08 ? response[1]! : 0;
        resolve(HEALTH_STATES[state] ?? `state ${state}`);
      },
    );
  });
}
