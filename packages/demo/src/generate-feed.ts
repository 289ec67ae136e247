/**
 * Writes data/orders.json, the invented order feed of the demo: 1,000 orders from 300 customers in
 * five currencies. Run it again only to change the feed: `tsx packages/demo/src/generate-feed.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { pick, seededRandom } from './random';

const FIRST_NAMES = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Edsger', 'Barbara', 'Ken', 'Frances', 'Dennis', 'Radia', 'Tim', 'Hedy', 'John', 'Katherine', 'Niklaus', 'Sophie', 'Bjarne', 'Joan', 'Guido'];
const LAST_NAMES = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Dijkstra', 'Liskov', 'Thompson', 'Allen', 'Ritchie', 'Perlman', 'Berners', 'Lamarr', 'Backus', 'Johnson', 'Wirth', 'Wilson', 'Stroustrup', 'Clarke', 'Rossum'];
const PRODUCTS = [
  ['KET-100', 'Electric kettle 1.7 l', 3_499],
  ['TEA-210', 'Loose-leaf green tea 250 g', 1_250],
  ['MUG-330', 'Stoneware mug', 899],
  ['PRS-404', 'French press 1 l', 2_790],
  ['GRN-512', 'Burr coffee grinder', 8_900],
  ['BNS-600', 'Espresso beans 1 kg', 2_150],
  ['FLT-700', 'Paper filters, 100 pack', 399],
  ['SCL-810', 'Kitchen scale', 1_999],
  ['TMR-820', 'Brew timer', 1_450],
  ['CUP-900', 'Travel cup 350 ml', 2_250],
  ['ESP-950', 'Espresso machine', 34_900],
  ['MLK-960', 'Milk frother', 4_990],
] as const;
/** Currencies with their share of orders; the ERP stub keeps no CHF books, so CHF invoices end in the DLT. */
const CURRENCIES = [['EUR', 0.55], ['USD', 0.2], ['GBP', 0.12], ['SEK', 0.1], ['CHF', 0.03]] as const;
const CHANNELS = ['WEB', 'WEB', 'WEB', 'MOBILE', 'MOBILE', 'STORE', 'PARTNER'] as const;

const random = seededRandom(20261204);

function currency(): string {
  let draw = random();
  for (const [code, share] of CURRENCIES) {
    if ((draw -= share) < 0) return code;
  }
  return 'EUR';
}

const customers = Array.from({ length: 300 }, (_, index) => {
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  return { id: `cus-${String(index + 1).padStart(4, '0')}`, email: `${first}.${last}${index}@example.com`.toLowerCase(), currency: currency() };
});

const orders = Array.from({ length: 1_000 }, (_, index) => {
  const customer = pick(random, customers);
  const lineCount = 1 + Math.floor(random() * 4);
  const items = Array.from({ length: lineCount }, () => {
    const [sku, description, price] = pick(random, PRODUCTS);
    return { sku, description, quantity: 1 + Math.floor(random() * 3), unit_price_minor: price };
  });
  return {
    order_id: `ord-${String(index + 1).padStart(5, '0')}`,
    customer_id: customer.id,
    customer_email: customer.email,
    items,
    total_minor: items.reduce((sum, item) => sum + item.quantity * item.unit_price_minor, 0),
    currency: customer.currency,
    channel: pick(random, CHANNELS),
  };
});

writeFileSync(join(import.meta.dirname, '..', 'data', 'orders.json'), `[\n${orders.map((order) => JSON.stringify(order)).join(',\n')}\n]\n`);
console.log(`wrote ${orders.length} orders from ${customers.length} customers`);
