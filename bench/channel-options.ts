// Channel settings the benchmark's clients and servers share with the host's plugin channel.

/** The host accepts messages up to 64 MiB both ways (proto/README.md); the scale runs need it. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Client channel options: the same message limits as the host's. */
export const CLIENT_OPTIONS = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
} as const;
