export {
  checkCompatibility,
  formatFinding,
  type CompatibilityCheck,
  type CompatibilityFinding,
} from './check';
export type { ResolutionIssue } from './issues';
export { resolveSchemas } from './resolve';
export { explainIssue, type Direction } from './rules';
