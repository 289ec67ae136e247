import { startErpStub } from './erp-stub';

const stub = await startErpStub({ port: Number(process.env.ERP_STUB_PORT ?? 9480), host: process.env.ERP_STUB_HOST });
process.stdout.write(`ERP stub listening on ${stub.url}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stub.close().then(() => process.exit(0)));
