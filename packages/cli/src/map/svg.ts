import type { Flow, FlowNode } from './flow';

// Sizes in SVG user units (pixels at 100 % zoom). Text is monospace, so its width follows from its length.
const MARGIN = 24;
const NODE_HEIGHT = 52;
const MIN_NODE_WIDTH = 180;
const MIN_COLUMN_GAP = 120;
const TITLE_CHAR_WIDTH = 8.4;
const LABEL_CHAR_WIDTH = 7.3;
const LABEL_LINE_HEIGHT = 16;
/** Depth between the lanes of arrows that run back to an earlier column, below the boxes. */
const BACK_LANE_GAP = 36;
/** Room above a box for an arrow from a service to itself and its label. */
const SELF_LOOP_ROOM = 72;

interface Placed extends FlowNode {
  x: number;
  y: number;
}

/** Arrows between one pair of boxes, drawn as one path with every event type in its label. */
interface Link {
  from: Placed;
  to: Placed;
  eventTypes: string[];
  dashed: boolean;
  /** 0 for an arrow into a later column; 1, 2, ... for the lane below the boxes of an arrow back. */
  lane: number;
  /** Distance from the top of `from` to the point where the arrow leaves its right edge. */
  startOffset: number;
  /** Distance from the top of `to` to the point where the arrow enters its left edge. */
  endOffset: number;
}

/** The parts of one drawn arrow: its path goes under the boxes and its label over them. */
interface DrawnLink {
  path: string;
  label: string;
}

/**
 * Draws the flow as a self-contained SVG. Each box gets a column one right of its furthest producer.
 * Arrows into a later column run left to right, arrows back to an earlier column run in their own lane
 * below the boxes, and an arrow from a service to itself loops above it.
 */
export function renderSvg(flow: Flow): string {
  const longestTitle = Math.max(
    0,
    ...flow.nodes.flatMap((node) => [node.title.length, node.subtitle.length]),
  );
  // An even width keeps box centers, and so every coordinate in the file, on whole numbers.
  const nodeWidth = 2 * Math.ceil(Math.max(MIN_NODE_WIDTH, longestTitle * TITLE_CHAR_WIDTH + 24) / 2);
  const longestLabel = Math.max(0, ...flow.edges.map((edge) => edge.eventType.length));
  const columnGap = Math.max(MIN_COLUMN_GAP, Math.ceil(longestLabel * LABEL_CHAR_WIDTH) + 48);
  const hasSelfLoop = flow.edges.some((edge) => edge.from === edge.to);
  const rowGap = hasSelfLoop ? SELF_LOOP_ROOM + 16 : 32;
  const top = MARGIN + (hasSelfLoop ? SELF_LOOP_ROOM : 0);

  const placed = placeNodes(flow, { nodeWidth, columnGap, rowGap, top });
  const links = groupLinks(flow, new Map(placed.map((node) => [node.id, node])));
  spreadPorts(links);

  const bounds = { width: 0, height: 0 };
  const grow = (x: number, y: number) => {
    bounds.width = Math.max(bounds.width, Math.ceil(x + MARGIN));
    bounds.height = Math.max(bounds.height, Math.ceil(y + MARGIN));
  };
  const drawnNodes = placed.map((node) => {
    grow(node.x + nodeWidth, node.y + NODE_HEIGHT);
    return drawNode(node, nodeWidth);
  });
  const boxesBottom = Math.max(top, ...placed.map((node) => node.y + NODE_HEIGHT));
  const drawnLinks = links.map((link) => drawLink(link, nodeWidth, boxesBottom, grow));

  const width = Math.max(bounds.width, MIN_NODE_WIDTH + 2 * MARGIN);
  const height = Math.max(bounds.height, NODE_HEIGHT + 2 * MARGIN);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="flow" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="flow-title">`,
    '<title id="flow-title">Event flow between services</title>',
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
    ...drawnLinks.map((link) => link.path),
    ...drawnNodes,
    ...drawnLinks.map((link) => link.label),
    '</svg>',
  ].join('\n');
}

function groupLinks(flow: Flow, placed: ReadonlyMap<string, Placed>): Link[] {
  const links = new Map<string, Link>();
  let backLanes = 0;
  for (const edge of flow.edges) {
    const key = `${edge.from} ${edge.to}`;
    let link = links.get(key);
    if (link === undefined) {
      const from = placed.get(edge.from) as Placed;
      const to = placed.get(edge.to) as Placed;
      const lane = from.id !== to.id && to.x <= from.x ? ++backLanes : 0;
      link = { from, to, eventTypes: [], dashed: false, lane, startOffset: 0, endOffset: 0 };
      links.set(key, link);
    }
    link.eventTypes.push(edge.eventType);
    link.dashed ||= !edge.declared;
  }
  return [...links.values()];
}

/**
 * Spreads the arrows that leave or enter one box along its edge, ordered by the row of the box at
 * their other end, with arrows back to an earlier column lowest, so they neither overlap nor cross at
 * the box.
 */
function spreadPorts(links: readonly Link[]): void {
  const outgoing = new Map<string, Link[]>();
  const incoming = new Map<string, Link[]>();
  for (const link of links) {
    if (link.from.id === link.to.id) continue;
    outgoing.set(link.from.id, [...(outgoing.get(link.from.id) ?? []), link]);
    incoming.set(link.to.id, [...(incoming.get(link.to.id) ?? []), link]);
  }

  const offset = (index: number, count: number) => Math.round((NODE_HEIGHT * (index + 1)) / (count + 1));
  for (const group of outgoing.values()) {
    group.sort((a, b) => a.lane - b.lane || a.to.y - b.to.y || a.to.x - b.to.x);
    group.forEach((link, index) => (link.startOffset = offset(index, group.length)));
  }
  for (const group of incoming.values()) {
    group.sort((a, b) => a.lane - b.lane || a.from.y - b.from.y || a.from.x - b.from.x);
    group.forEach((link, index) => (link.endOffset = offset(index, group.length)));
  }
}

/**
 * Assigns columns by longest path from the boxes nothing flows into, ignoring arrows that close a
 * cycle, then orders each column by the mean row of the boxes that flow into it, to cut crossings.
 */
function placeNodes(
  flow: Flow,
  sizes: { nodeWidth: number; columnGap: number; rowGap: number; top: number },
): Placed[] {
  const order = new Map(flow.nodes.map((node, index) => [node.id, index]));
  const forward = forwardEdges(flow);
  const column = new Map(flow.nodes.map((node) => [node.id, 0]));

  // forwardEdges returns an acyclic edge set, so relaxing it once per node reaches the longest path.
  for (let pass = 0; pass < flow.nodes.length; pass++) {
    for (const [from, to] of forward)
      column.set(to, Math.max(column.get(to) ?? 0, (column.get(from) ?? 0) + 1));
  }

  const columns: FlowNode[][] = [];
  for (const node of flow.nodes) (columns[column.get(node.id) ?? 0] ??= []).push(node);
  const row = new Map<string, number>();
  columns.forEach((members, index) => {
    if (index > 0) {
      const meanRow = (id: string) => {
        const rows = forward.filter(([, to]) => to === id).map(([from]) => row.get(from) ?? 0);
        return rows.length === 0 ? Infinity : rows.reduce((sum, value) => sum + value, 0) / rows.length;
      };
      members.sort(
        (a, b) => meanRow(a.id) - meanRow(b.id) || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0),
      );
    }
    members.forEach((node, position) => row.set(node.id, position));
  });

  return flow.nodes.map((node) => ({
    ...node,
    x: MARGIN + (column.get(node.id) ?? 0) * (sizes.nodeWidth + sizes.columnGap),
    y: sizes.top + (row.get(node.id) ?? 0) * (NODE_HEIGHT + sizes.rowGap),
  }));
}

/** Returns the edges as [from, to] pairs without self-loops and without the edges that close a cycle. */
function forwardEdges(flow: Flow): [string, string][] {
  const targets = new Map<string, string[]>();
  for (const edge of flow.edges) {
    if (edge.from === edge.to) continue;
    const list = targets.get(edge.from) ?? [];
    list.push(edge.to);
    targets.set(edge.from, list);
  }

  const state = new Map<string, 'open' | 'done'>();
  const result: [string, string][] = [];
  const visit = (id: string) => {
    state.set(id, 'open');
    for (const to of targets.get(id) ?? []) {
      // An edge to a box still open on the depth-first path closes a cycle.
      if (state.get(to) === 'open') continue;
      result.push([id, to]);
      if (!state.has(to)) visit(to);
    }
    state.set(id, 'done');
  };
  for (const node of flow.nodes) if (!state.has(node.id)) visit(node.id);
  return result;
}

function drawNode(node: Placed, width: number): string {
  const placeholder = node.kind !== 'service';
  const centerX = node.x + width / 2;
  return [
    `<g class="node ${placeholder ? 'placeholder' : 'service'}">`,
    `<title>${escapeXml(`${node.title}: ${node.subtitle}`)}</title>`,
    `<rect x="${node.x}" y="${node.y}" width="${width}" height="${NODE_HEIGHT}" rx="${placeholder ? 0 : 8}"/>`,
    `<text x="${centerX}" y="${node.y + 22}" class="title">${escapeXml(node.title)}</text>`,
    `<text x="${centerX}" y="${node.y + 40}" class="subtitle">${escapeXml(node.subtitle)}</text>`,
    '</g>',
  ].join('');
}

function drawLink(
  link: Link,
  nodeWidth: number,
  boxesBottom: number,
  grow: (x: number, y: number) => void,
): DrawnLink {
  const { from, to } = link;
  let path: string;
  let label: { x: number; y: number };

  if (from.id === to.id) {
    const left = from.x + Math.round(nodeWidth * 0.35);
    const right = from.x + Math.round(nodeWidth * 0.65);
    const peak = from.y - SELF_LOOP_ROOM + 8;
    path = `M${left},${from.y} C${left},${peak} ${right},${peak} ${right},${from.y}`;
    // The point halfway along a cubic Bézier curve is (P0 + 3·P1 + 3·P2 + P3) / 8.
    label = { x: from.x + nodeWidth / 2, y: Math.round((2 * from.y + 6 * peak) / 8) };
  } else if (link.lane === 0) {
    // NOTE: an arrow that skips a column is drawn straight across it and may cross a box there.
    const start = { x: from.x + nodeWidth, y: from.y + link.startOffset };
    const end = { x: to.x, y: to.y + link.endOffset };
    const bend = Math.round((end.x - start.x) / 2);
    path = `M${start.x},${start.y} C${start.x + bend},${start.y} ${end.x - bend},${end.y} ${end.x},${end.y}`;
    label = { x: Math.round((start.x + end.x) / 2), y: Math.round((start.y + end.y) / 2) };
  } else {
    // Out of the right edge, down the gap after the source's column, left along the lane, up the gap
    // before the target's column and into its left edge: the path crosses no box.
    const laneY = boxesBottom + link.lane * BACK_LANE_GAP;
    const inset = 8 + link.lane * 6;
    const rightGap = from.x + nodeWidth + inset;
    const leftGap = to.x - inset;
    path = `M${from.x + nodeWidth},${from.y + link.startOffset} H${rightGap} V${laneY} H${leftGap} V${to.y + link.endOffset} H${to.x}`;
    label = { x: Math.round((rightGap + leftGap) / 2), y: laneY };
    grow(rightGap, laneY);
  }

  const title = `<title>${escapeXml(`${from.title} to ${to.title}: ${link.eventTypes.join(', ')}`)}</title>`;
  const dashed = link.dashed ? ' dashed' : '';
  return {
    path: `<g class="link${dashed}">${title}<path d="${path}" marker-end="url(#arrow)"/></g>`,
    label: `<g class="link-label">${title}${drawLabel(link.eventTypes, label, grow)}</g>`,
  };
}

function drawLabel(
  lines: readonly string[],
  center: { x: number; y: number },
  grow: (x: number, y: number) => void,
): string {
  const width = 2 * Math.ceil((Math.max(...lines.map((line) => line.length)) * LABEL_CHAR_WIDTH + 12) / 2);
  const height = lines.length * LABEL_LINE_HEIGHT + 6;
  const left = center.x - width / 2;
  const top = center.y - height / 2;
  grow(left + width, top + height);

  const texts = lines.map(
    (line, index) =>
      `<text x="${center.x}" y="${top + 15 + index * LABEL_LINE_HEIGHT}" class="label">${escapeXml(line)}</text>`,
  );
  return `<rect class="label" x="${left}" y="${top}" width="${width}" height="${height}" rx="4"/>${texts.join('')}`;
}

/** Escapes text for XML and HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
