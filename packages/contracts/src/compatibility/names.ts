/**
 * Checks whether a reader's record, enum or fixed type can read the writer's by name: the full names
 * are equal, or one of the reader's aliases is the writer's full name. The Avro specification compares
 * unqualified names, so moving a type to another namespace passes there. It fails here because avsc,
 * which Choreo decodes with, compares full names by default.
 */
export function namesMatch(reader: { name: string; aliases: string[] }, writer: { name: string }): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.name);
}
