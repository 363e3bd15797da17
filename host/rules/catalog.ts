// Stable ids for the rows of RULES.md sections 1-7. The ids appear in rule results (and so in the
// journal and in errors), in test titles and in docs/rules.md; test/rules-catalog.test.ts keeps the
// three in step, so an id is never reused for a different row.

/** Every rule id with a one-line description of the RULES.md row it stands for. */
export const RULES = {
  "R1.1": "create group: the driver raised -> group error; the call fails",
  "R1.2": "create group: returned with model_update.status error -> group error; the call fails",
  "R1.3": "create group: returned another model_update -> its allowed fields applied, group available; ok",
  "R1.4": "create group: returned no model_update -> group available; ok",
  "R2.1": "create group from source: the driver raised -> group and every target volume error; the call fails",
  "R2.2": "create group from source: returned (any content, even error statuses) -> updates applied, group and every target volume available; ok, with a warning for reported errors",
  "R3.1": "delete group: the driver raised -> group and every volume error; the call fails",
  "R3.2": "delete group: returned with no error-like status anywhere -> group and volumes deleted; ok",
  "R3.3": "delete group: an error-like entry promotes the group (model_update present) -> group error, entries applied, volumes without an entry error; the call fails",
  "R3.4": "delete group: model_update.status error-like (decides even when an entry is error-like too) -> group error, entries applied, volumes without an entry (all, if the list is absent or empty) error; the call fails",
  "R3.5": "delete group: returned with model_update and the volume list both absent -> group and volumes deleted; ok",
  "R3.6": "delete group (host rule): an error-like entry with model_update absent promotes just the same -> group error, entries applied, volumes without an entry error; the call fails",
  "R4.1": "update group: the driver raised -> group and every added and removed volume error, membership unchanged; the call fails",
  "R4.2": "update group: returned with model_update.status error -> group and every added and removed volume error, membership unchanged; the call fails",
  "R4.3": "update group: returned otherwise -> updates applied, group available, entries applied (others keep their status), added volumes join, removed leave; ok",
  "R5.1": "create cgsnapshot: the driver raised -> cgsnapshot and every snapshot error; the call fails",
  "R5.2": "create cgsnapshot: an entry or model_update has status error -> cgsnapshot error, entries applied, snapshots without an entry error; the call fails",
  "R5.3": "create cgsnapshot: returned otherwise (error_deleting included) -> updates applied, cgsnapshot and every snapshot available; ok",
  "R6.1": "delete cgsnapshot: the driver raised -> cgsnapshot and every snapshot error; the call fails",
  "R6.2": "delete cgsnapshot: an error-like entry or model_update.status error-like -> cgsnapshot error, entries applied, snapshots without an entry (all, if the list is absent or empty) error; the call fails",
  "R6.3": "delete cgsnapshot: returned otherwise -> cgsnapshot and snapshots deleted; ok",
  "R7.1": "malformed answer: an entry's id is not one of the items sent in the request",
  "R7.2": "malformed answer: an id has more than one entry (within a list, or across the add and remove lists)",
  "R7.3": "malformed answer: a status the entity cannot have in that operation (transitional, outside the enum, or not allowed there)",
  "R7.4": "malformed answer: a field outside the allowed set (a field number the contract does not define)",
  "R7.5": "malformed answer: an entry names an item sent in the request, but in the other list's role (an added volume in remove_volumes_update, or the reverse)",
} as const satisfies Record<string, string>;

/** A stable rule id, e.g. `R3.3`. */
export type RuleId = keyof typeof RULES;

/** The ids of section 7: the kinds of malformed answer. */
export type MalformedRuleId = Extract<RuleId, `R7.${string}`>;

/** Every rule id, in RULES.md order. */
export const RULE_IDS: readonly RuleId[] = Object.keys(RULES) as RuleId[];
