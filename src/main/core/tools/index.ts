// Engine-side tools for the window: each opens its own short-lived connection.
export { listFolders, decodeModifiedUtf7, type FolderInfo } from './folders.js';
export {
  testConnection,
  type ConnectionTestKind,
  type ConnectionTestResult,
} from './test-connection.js';
export {
  applyRules,
  previewRules,
  readMessage,
  recentMessages,
  type ApplyResult,
  type PreviewItem,
  type RulesToolOptions,
} from './rules.js';
export { withSession } from './session.js';
