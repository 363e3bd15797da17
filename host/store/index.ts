// The store layer's public surface: the Store interface and its SQLite implementation.
export { openSqliteStore, type OpenSqliteStoreOptions } from "./sqlite-store.js";
export { rowAfterWrite, rowsAfterWrites } from "./written-rows.js";
export {
  isStoreRefusal,
  StatusConflictError,
  type Durability,
  type JournalSummary,
  type JournalSummaryFilter,
  type ListFilter,
  type NewCgSnapshot,
  type NewGroup,
  type NewSnapshot,
  type NewVolume,
  type Parents,
  type StatusMove,
  type Store,
} from "./store.js";
