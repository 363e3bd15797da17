// Default gRPC deadlines per operation: copies of whole volumes take longer than a group record.
import type { OperationKind } from "../model.js";

/** Milliseconds each driver call may take before the host gives up on it; configurable per host. */
export const DEFAULT_DEADLINES_MS: Readonly<Record<OperationKind, number>> = {
  create_group: 60_000,
  create_group_from_source: 600_000,
  delete_group: 300_000,
  update_group: 120_000,
  create_cgsnapshot: 300_000,
  delete_cgsnapshot: 300_000,
};
