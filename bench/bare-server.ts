// A bare grpc-js server for the driver service on a Unix socket, answering at once: the other end
// of the baseline when measured without the plugin SDK. Run as a child process:
//   node dist/bench/bare-server.js /abs/path.sock
// It prints one line, `{"address": "unix:///abs/path.sock"}`, once listening, and exits when its
// standard input closes (its parent is gone) or on SIGTERM.
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { ConsistencyGroupDriverServiceService } from "../gen/cgdriver/v1/driver.js";
import { answerModeFromEnv, answersFor } from "./answers.js";
import { MAX_MESSAGE_BYTES } from "./channel-options.js";

const socketPath = process.argv[2];
if (!socketPath) {
  console.error("usage: bare-server.js /absolute/path.sock");
  process.exit(2);
}

const answers = answersFor(answerModeFromEnv());
function unary<Req, Res>(answer: (request: Req) => Res) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => callback(null, answer(call.request));
}

const server = new Server({ "grpc.max_receive_message_length": MAX_MESSAGE_BYTES, "grpc.max_send_message_length": MAX_MESSAGE_BYTES });
server.addService(ConsistencyGroupDriverServiceService, {
  createConsistencyGroup: unary(answers.createConsistencyGroup),
  createConsistencyGroupFromSource: unary(answers.createConsistencyGroupFromSource),
  deleteConsistencyGroup: unary(answers.deleteConsistencyGroup),
  updateConsistencyGroup: unary(answers.updateConsistencyGroup),
  createCgSnapshot: unary(answers.createCgSnapshot),
  deleteCgSnapshot: unary(answers.deleteCgSnapshot),
});

const address = `unix://${socketPath}`;
server.bindAsync(address, ServerCredentials.createInsecure(), (error) => {
  if (error) {
    console.error(`cannot listen on ${address}: ${error.message}`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ address })}\n`);
});

const stop = (): void => server.tryShutdown(() => process.exit(0));
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
