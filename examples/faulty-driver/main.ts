// The faulty driver's entry point: parses --fault flags and serves the in-memory driver with
// those faults through the plugin SDK (handshake, health and shutdown are the SDK's).
import { serve } from "../../plugin-sdk/index.js";
import { CliUsageError, HELP, parseCli } from "./cli-options.js";
import { createMemoryDriver } from "./memory-driver.js";

let command;
try {
  command = parseCli(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof CliUsageError)) throw error;
  process.stderr.write(`faulty-driver: ${error.message} (see --help)\n`);
  process.exit(2);
}
if (command.kind === "help") {
  process.stdout.write(HELP);
} else {
  const driver = createMemoryDriver({ faults: command.faults, hangOn: command.hangOn, without: command.without });
  await serve(driver, command.transport);
}
