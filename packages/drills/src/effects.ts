import pg from 'pg';

/** Database of the drills' side-effect tables, created on first use. */
export const DEFAULT_EFFECTS_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/choreo_drills';

/** Log message of the drill service when it starts holding the marked event; the drill waits for it. */
export const HANG_STARTED_MESSAGE = 'drill: holding the marked event before its side effect';

/** Log message of the drill service right before it kills itself after the marked side effect. */
export const CRASH_MESSAGE =
  'drill: side effect written; killing the process before the kit records the event as done';

/** One event's side effect, as the drill service wrote it. */
export interface EffectRow {
  eventId: string;
  orderId: string;
  /** Handler runs that wrote this row; more than 1 means the handler ran again for the same event. */
  runs: number;
  /** Name of the service instance (its `INSTANCE`) that wrote the row last. */
  instance: string;
  firstRunAt: Date;
  lastRunAt: Date;
}

/**
 * A table of side effects whose primary key is the event id, so it keeps one row per event however
 * often a handler runs, and `runs` counts the handler runs that wrote the row. Each drill run uses
 * its own table.
 */
export class EffectTable {
  private constructor(
    private readonly pool: pg.Pool,
    readonly table: string,
  ) {}

  /** Creates the database if missing and the table, and returns it. */
  static async create(
    table: string,
    databaseUrl = process.env.EFFECTS_DATABASE_URL ?? DEFAULT_EFFECTS_DATABASE_URL,
  ): Promise<EffectTable> {
    await createDatabaseIfMissing(databaseUrl);
    const effects = EffectTable.connect(table, databaseUrl);
    await effects.pool.query(`
      CREATE TABLE IF NOT EXISTS ${table} (
        event_id     text PRIMARY KEY,
        order_id     text NOT NULL,
        runs         integer NOT NULL DEFAULT 1,
        instance     text NOT NULL,
        first_run_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_run_at  timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    return effects;
  }

  /** Connects to a table that `create` made. */
  static connect(
    table: string,
    databaseUrl = process.env.EFFECTS_DATABASE_URL ?? DEFAULT_EFFECTS_DATABASE_URL,
  ): EffectTable {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table))
      throw new Error(`invalid effects table name "${table}": use lowercase letters, digits and underscores`);
    return new EffectTable(new pg.Pool({ connectionString: databaseUrl, max: 3 }), table);
  }

  /** Writes one event's side effect and returns how many runs have written it, this one included. */
  async record(eventId: string, orderId: string, instance: string): Promise<number> {
    const { rows } = await this.pool.query<{ runs: number }>(
      `INSERT INTO ${this.table} (event_id, order_id, instance) VALUES ($1, $2, $3)
       ON CONFLICT (event_id) DO UPDATE SET runs = ${this.table}.runs + 1, instance = EXCLUDED.instance, last_run_at = clock_timestamp()
       RETURNING runs`,
      [eventId, orderId, instance],
    );
    return rows[0]?.runs ?? 0;
  }

  /** Reads every row of the table, keyed by event id. */
  async rows(): Promise<Map<string, EffectRow>> {
    const { rows } = await this.pool.query<{
      event_id: string;
      order_id: string;
      runs: number;
      instance: string;
      first_run_at: Date;
      last_run_at: Date;
    }>(`SELECT event_id, order_id, runs, instance, first_run_at, last_run_at FROM ${this.table}`);
    return new Map(
      rows.map((row) => [
        row.event_id,
        {
          eventId: row.event_id,
          orderId: row.order_id,
          runs: row.runs,
          instance: row.instance,
          firstRunAt: row.first_run_at,
          lastRunAt: row.last_run_at,
        },
      ]),
    );
  }

  async drop(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table}`);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

async function createDatabaseIfMissing(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const database = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } catch (error) {
    // 42P04 duplicate_database: another process created it between the check and the CREATE.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}
