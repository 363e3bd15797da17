// PluginService served from a Driver: identity and capabilities as described at start-up, and
// readiness from the driver's probe.
import type { Logger } from "pino";
import {
  GetCapabilitiesResponse,
  GetPluginInfoResponse,
  ProbeResponse,
  type PluginServiceServer,
} from "./contract.js";
import type { DriverDescription } from "./driver-description.js";
import type { Driver, ProbeResult } from "./driver.js";
import { unaryHandler } from "./unary-handler.js";

function noIds(): string {
  return "";
}

// A probe that throws is an unready backend, not a broken plugin: the host should hold calls
// back ("plugin unavailable") and the operator should read why.
async function runProbe(driver: Driver): Promise<ProbeResult> {
  if (driver.probe === undefined) return { ready: true };
  try {
    return await driver.probe();
  } catch (error) {
    return { ready: false, message: `probe failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The PluginService implementation for `driver`. */
export function pluginServiceImplementation(driver: Driver, description: DriverDescription, logger: Logger): PluginServiceServer {
  // The host asks these on every connection: log them below info so they do not drown driver calls.
  const common = { logger, level: "debug" as const, operationIdOf: noIds, requestIdOf: noIds };
  return {
    getPluginInfo: unaryHandler({ ...common, operation: "GetPluginInfo", run: async () => GetPluginInfoResponse.fromPartial(description.info) }),
    getCapabilities: unaryHandler({
      ...common,
      operation: "GetCapabilities",
      run: async () => GetCapabilitiesResponse.fromPartial(description.capabilities),
    }),
    probe: unaryHandler({
      ...common,
      operation: "Probe",
      run: async (_request, ctx) => {
        const result = await runProbe(driver);
        if (!result.ready) ctx.log.warn({ message: result.message }, "probe: not ready");
        return ProbeResponse.fromPartial({ ready: result.ready === true, message: result.message ?? "" });
      },
    }),
  };
}
