import type { LogicalType } from '../schema-tree';
import { describeLogicalType } from './describe-type';
import type { LogicalTypeIssue } from './issues';

/**
 * Compares the logical types of a reader and writer with the same underlying type. Any difference is
 * an issue, adding or removing a logical type included, because the same bits then mean something
 * else (microseconds read as milliseconds, a decimal with another scale). The Avro specification
 * likewise matches two decimals only when their precision and scale match. avsc cannot catch this:
 * Choreo's timestamp-millis type reads any long, so it would decode timestamp-micros values as
 * milliseconds without an error.
 */
export function compareLogicalTypes(
  reader: LogicalType | undefined,
  writer: LogicalType | undefined,
  path: string,
): LogicalTypeIssue | undefined {
  const readerText = describeLogicalType(reader);
  const writerText = describeLogicalType(writer);
  if (readerText === writerText) return undefined;
  return { kind: 'logical-type', path, reader: readerText, writer: writerText };
}
