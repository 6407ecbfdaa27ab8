import { startServer, mintToken, sleep } from './lib.mjs';
import { io } from 'socket.io-client';
const server = await startServer('app', { db: 'pglite' });
const warm = [];
for (let u = 0; u < 100; u++) { const s = io(server.url, { transports: ['websocket'], auth: { token: mintToken(`m${u}`) } }); await new Promise((d) => s.once('authenticated', d)); warm.push(s); }
for (const s of warm) s.close();
await sleep(7000);
const before = await server.rssAfterGcKb();
const socks = [];
const t = Date.now();
for (let i = 0; i < 1000; i += 10) await Promise.all(Array.from({ length: 10 }, async (_, j) => { const s = io(server.url, { transports: ['websocket'], auth: { token: mintToken(`m${(i + j) % 100}`) } }); await new Promise((d) => s.once('authenticated', d)); socks.push(s); }));
const rate = 1000 / ((Date.now() - t) / 1000);
const after = await server.rssAfterGcKb();
console.log('KB/conn', ((after - before) / 1000).toFixed(1), 'conn/s', rate.toFixed(0));
await server.stop(); process.exit(0);
