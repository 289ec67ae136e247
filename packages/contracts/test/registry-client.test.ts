import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';

import { loadConfig } from '@choreo/config';

/**
 * Smoke tests of @kafkajs/confluent-schema-registry against the configured registry (the local
 * stack's Apicurio by default). Every subject and schema name carries a random suffix, so the ids
 * asserted here belong to this run alone.
 */
const registryUrl = loadConfig().schemaRegistryUrl;
const suffix = randomBytes(4).toString('hex');
const subject = `choreo-smoke-${suffix}-value`;
const copySubject = `choreo-smoke-${suffix}-copy-value`;
const compatibility = COMPATIBILITY.BACKWARD;

const recordSchema = {
  type: 'record',
  name: 'SmokeTest',
  namespace: `dev.choreo.smoke.run${suffix}`,
  fields: [
    { name: 'id', type: 'string' },
    { name: 'quantity', type: 'int' },
  ],
};
// A backward-compatible change: a new field with a default.
const evolvedSchema = {
  ...recordSchema,
  fields: [...recordSchema.fields, { name: 'note', type: 'string', default: '' }],
};

const asConfluentSchema = (schema: object) => ({
  type: SchemaType.AVRO as const,
  schema: JSON.stringify(schema),
});

/** A client with an empty cache, so each lookup is an HTTP request to the registry. */
const freshClient = () => new SchemaRegistry({ host: registryUrl, clientId: 'choreo-smoke-test' });

async function registryRequest(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${registryUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) {
    throw new Error(`${method} ${path} returned HTTP ${response.status}: ${await response.text()}`);
  }
  return response;
}

/**
 * The client reads GET /config/{subject} during `register` and rejects the call when that level
 * differs from the one it is given (BACKWARD when none is given); only a 404 counts as "no level".
 * Apicurio 2.4.2 returns 404 for a subject it has never seen, but NONE for a subject that exists
 * without a level of its own. Setting the level first makes `register` behave the same either way.
 */
async function setCompatibility(subjectName: string): Promise<void> {
  await registryRequest('PUT', `/config/${encodeURIComponent(subjectName)}`, { compatibility });
}

/** Deletes a subject with its versions: a soft delete first, which the permanent delete requires. */
async function deleteSubject(subjectName: string): Promise<void> {
  const path = `/subjects/${encodeURIComponent(subjectName)}`;
  const soft = await fetch(`${registryUrl}${path}`, { method: 'DELETE' });
  if (soft.status === 404) return;
  await registryRequest('DELETE', `${path}?permanent=true`);
}

describe('schema registry client on the real registry', () => {
  const client = freshClient();
  let schemaId = 0;

  before(async () => {
    await setCompatibility(subject);
    await setCompatibility(copySubject);
    ({ id: schemaId } = await client.register(asConfluentSchema(recordSchema), { subject, compatibility }));
  });

  after(async () => {
    await deleteSubject(subject);
    await deleteSubject(copySubject);
  });

  it('registers a schema with the subject level', async () => {
    assert.ok(Number.isInteger(schemaId), `schema id ${schemaId} is not an integer`);
    assert.ok(schemaId > 0, `schema id ${schemaId} is not positive`);

    const response = await registryRequest('GET', `/config/${encodeURIComponent(subject)}`);
    assert.deepEqual(await response.json(), { compatibilityLevel: compatibility });
  });

  it('registers the same schema again under the same id', async () => {
    const again = await freshClient().register(asConfluentSchema(recordSchema), { subject, compatibility });
    assert.equal(again.id, schemaId);
  });

  it('looks up the schema by id', async () => {
    const schema = (await freshClient().getSchema(schemaId)) as avro.Type;
    assert.equal(schema.name, `${recordSchema.namespace}.${recordSchema.name}`);
    assert.ok(
      schema.equals(avro.Type.forSchema(recordSchema as avro.Schema)),
      `schema ${schemaId} is ${schema.toString()}`,
    );
  });

  it('looks up the latest id by subject', async () => {
    assert.equal(await freshClient().getLatestSchemaId(subject), schemaId);
  });

  it('looks up the id of a schema by subject', async () => {
    assert.equal(
      await freshClient().getRegistryIdBySchema(subject, asConfluentSchema(recordSchema)),
      schemaId,
    );
  });

  it('round-trips a value through encode and decode', async () => {
    const value = { id: `order-${suffix}`, quantity: 3 };
    const encoded = await client.encode(schemaId, value);
    assert.equal(encoded.readUInt8(0), 0, 'magic byte');
    assert.equal(encoded.readInt32BE(1), schemaId, 'schema id in the header');

    assert.deepEqual({ ...(await freshClient().decode(encoded)) }, value);
  });

  it('gives an identical schema the same id under another subject', async () => {
    const copy = await client.register(asConfluentSchema(recordSchema), {
      subject: copySubject,
      compatibility,
    });
    assert.equal(copy.id, schemaId);
  });

  it('rejects register when an existing subject has another level', async () => {
    await registryRequest('PUT', `/config/${encodeURIComponent(copySubject)}`, {
      compatibility: COMPATIBILITY.NONE,
    });
    try {
      await assert.rejects(
        freshClient().register(asConfluentSchema(recordSchema), { subject: copySubject, compatibility }),
        /Compatibility does not match the configuration \(BACKWARD != NONE\)/,
      );
    } finally {
      await setCompatibility(copySubject);
    }
  });

  // Runs last because it adds a version to `subject`, which changes its latest id.
  it('gives a changed schema a new id', async () => {
    const evolved = await client.register(asConfluentSchema(evolvedSchema), { subject, compatibility });
    assert.notEqual(evolved.id, schemaId);
    assert.equal(await freshClient().getLatestSchemaId(subject), evolved.id);
  });
});
