// The rule tables of RULES.md sections 1-7, one per driver operation: pure functions from the rows
// of a request and the driver's outcome to the writes and the call's result. The manager imports
// them from here.
export { RULE_IDS, RULES, type MalformedRuleId, type RuleId } from "./catalog.js";
export { decideCreateCgSnapshot } from "./create-cgsnapshot.js";
export { decideCreateGroupFromSource } from "./create-group-from-source.js";
export { decideCreateGroup } from "./create-group.js";
export { decideDeleteCgSnapshot } from "./delete-cgsnapshot.js";
export { decideDeleteGroup } from "./delete-group.js";
export { MALFORMED_RESPONSE } from "./malformed.js";
export type { DriverFailure, DriverOutcome, RuleContext, RuleResult } from "./outcome.js";
export { DRIVER_REPORTED_ERROR } from "./results.js";
export { decideUpdateGroup } from "./update-group.js";
