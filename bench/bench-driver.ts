// The benchmark's plugin: a driver written with the plugin SDK that answers every call at once
// (bench/answers.ts; BENCH_ANSWER=none|entries), so what is measured is the host and the boundary,
// never a backend. The host launches it as a child; the baseline client dials the same socket.
import { serve, type Driver } from "../plugin-sdk/index.js";
import { answerModeFromEnv, answersFor } from "./answers.js";

const answers = answersFor(answerModeFromEnv());

const driver: Driver = {
  name: "bench-driver",
  vendorVersion: "0.1.0",
  createConsistencyGroup: () => answers.createConsistencyGroup(),
  createConsistencyGroupFromSource: (request) => answers.createConsistencyGroupFromSource(request),
  deleteConsistencyGroup: (request) => answers.deleteConsistencyGroup(request),
  updateConsistencyGroup: () => answers.updateConsistencyGroup(),
  createCgSnapshot: (request) => answers.createCgSnapshot(request),
  deleteCgSnapshot: (request) => answers.deleteCgSnapshot(request),
};

await serve(driver);
