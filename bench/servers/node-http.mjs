// Baseline for the throughput bench: the plainest node:http server answering the same text as the
// hello function. Usage: node bench/servers/node-http.mjs <port>
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const body = 'Hello from Cairn!';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
