import type { DeadLetter } from '@choreo/consumer-kit';

/** Age as the largest whole unit: 42s, 17m, 5h, 3d. */
export function formatAge(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function formatDeadLetterRow(letter: DeadLetter, now = Date.now()): string {
  const error = letter.errorMessage.length > 70 ? `${letter.errorMessage.slice(0, 67)}...` : letter.errorMessage;
  return [
    `${letter.dltTopic} ${letter.partition}/${letter.offset}`,
    `age ${formatAge(now - letter.writtenAt)}`,
    `reason ${letter.reason}${letter.errorCode ? ` (${letter.errorCode})` : ''}`,
    `owner ${letter.owner}`,
    `event ${letter.eventId ?? '-'}`,
    error,
  ].join('  ');
}

/** Formats every field and header of one dead letter, binary header values as hex. */
export function formatDeadLetter(letter: DeadLetter): string[] {
  const lines = [
    `topic        ${letter.dltTopic}`,
    `partition    ${letter.partition}`,
    `offset       ${letter.offset}`,
    `written at   ${new Date(letter.writtenAt).toISOString()}`,
    `key          ${letter.key === null ? '(null)' : printable(letter.key)}`,
    `value        ${letter.value === null ? '(null)' : `${letter.value.length} bytes: ${letter.value.subarray(0, 48).toString('hex')}${letter.value.length > 48 ? '...' : ''}`}`,
    'headers:',
  ];
  for (const [name, value] of Object.entries(letter.headers).sort(([a], [b]) => a.localeCompare(b))) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      let text = '';
      if (typeof item === 'string') text = item;
      else if (item !== undefined) text = printable(item);
      lines.push(`  ${name}: ${name.endsWith('stack') ? text.split('\n').join('\n    ') : text}`);
    }
  }
  return lines;
}

function printable(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return /^[\x20-\x7e\t\n\r\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd') ? text : `0x${bytes.toString('hex')}`;
}
