import { type BenchResults, type Figure, TARGETS } from './results';

/** Renders the headline figures and the throughputs behind them as an aligned text table. */
export function formatTable(results: BenchResults): string {
  const header = ['figure', 'result', 'target', 'met', 'per run'];
  const rows: string[][] = [header];
  const targetText = (figure: Figure) =>
    `${TARGETS[figure].direction === 'min' ? '>=' : '<='} ${TARGETS[figure].target}`;
  const addFigure = (figure: Figure, perRun: readonly number[] | undefined) => {
    rows.push([
      figure,
      String(results[figure]),
      targetText(figure),
      results.targets[figure].met ? 'yes' : 'NO',
      (perRun ?? []).join(', '),
    ]);
  };
  const addRate = (label: string, rates: { median: number; perRun: readonly number[] }) =>
    rows.push([label, String(rates.median), '', '', rates.perRun.join(', ')]);
  const { consumer, producer, replay, memory, dedupe, dedupeAddedLatency: latency } = results;

  addFigure('consumerRatio', consumer.eventsPerSecond.kit.ratioPerRun);
  addFigure('producerRatio', producer.eventsPerSecond.kit.ratioPerRun);
  addFigure(
    'dedupeRoundTripsPerBatch',
    dedupe.firstTime.perRun.map((run) => run.roundTripsPerBatch),
  );
  addFigure('replaySpeedup', replay.eventsPerSecond.ratioPerRun);
  addFigure('peakRssMb', memory.kit.maxRssMb);
  addFigure('backlogPeakRssMb', memory.backlog.maxRssMb);
  rows.push([
    'consumer ratio without dedupe',
    String(consumer.ratioWithoutDedupe),
    '',
    '',
    (consumer.eventsPerSecond.kitWithoutDedupe.ratioPerRun ?? []).join(', '),
  ]);
  rows.push([
    'producer raw+encoding ratio',
    String(producer.rawWithEncodingRatio),
    '',
    '',
    (producer.eventsPerSecond.rawWithEncoding.ratioPerRun ?? []).join(', '),
  ]);
  addRate('consumer kit events/s', consumer.eventsPerSecond.kit);
  addRate('consumer kit, no dedupe', consumer.eventsPerSecond.kitWithoutDedupe);
  addRate('consumer raw events/s', consumer.eventsPerSecond.raw);
  addRate('replay kit events/s', replay.eventsPerSecond);
  addRate('producer kit events/s', producer.eventsPerSecond.kit);
  addRate('producer raw events/s', producer.eventsPerSecond.raw);
  addRate('producer raw+encoding', producer.eventsPerSecond.rawWithEncoding);
  rows.push([
    'raw consumer peak RSS MB',
    String(memory.raw.medianMaxRssMb),
    '',
    '',
    memory.raw.maxRssMb.join(', '),
  ]);
  rows.push(['dedupe ms/chunk p50, p99', `${latency.perChunkMs.p50}, ${latency.perChunkMs.p99}`, '', '', '']);
  rows.push([
    'dedupe us/event p50, p99',
    `${latency.perEventAmortizedUs.p50}, ${latency.perEventAmortizedUs.p99}`,
    '',
    '',
    '',
  ]);

  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
