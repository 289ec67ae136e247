import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { CONSUMER_DEFAULTS } from '../src/index';

const DOC = join(import.meta.dirname, '..', '..', '..', 'docs', 'consumer-kit.md');

function flatten(value: object, prefix = ''): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof child === 'object' && child !== null) for (const [nested, text] of flatten(child, path)) entries.set(nested, text);
    else entries.set(path, String(child));
  }
  return entries;
}

/** Rows of the defaults table: `| \`option\` | value ... | why |`. */
function documentedDefaults(): Map<string, string> {
  const section = readFileSync(DOC, 'utf8').split('## Defaults')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| `([^`]+)` \| `?([^ |`]+)`? /gm)) rows.set(match[1] as string, match[2] as string);
  return rows;
}

describe('consumer kit defaults', () => {
  it('are all documented with their values', () => {
    const documented = documentedDefaults();
    for (const [option, value] of flatten(CONSUMER_DEFAULTS)) {
      assert.equal(documented.get(option), value, `docs/consumer-kit.md: ${option} should be ${value}`);
    }
  });

  it('documents no option the code lacks', () => {
    const actual = flatten(CONSUMER_DEFAULTS);
    for (const option of documentedDefaults().keys()) assert.ok(actual.has(option), `docs/consumer-kit.md lists ${option}, which CONSUMER_DEFAULTS lacks`);
  });
});
