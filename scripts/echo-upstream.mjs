// The demo upstream behind nginx's guarded /protected/echo/ (nginx/authd.conf):
// it stands for an operator's own app and answers every request with what it
// received, as JSON:
//   {"method", "url", "httpVersion",
//    "headers": [[name, value], ...]   every header line as received, in order, duplicates kept,
//    "connection": {"id", "request"}}  which upstream connection (numbered from 1 since start)
//                                      and the how-many-th request on it (keep-alive reuses one)
// Listens on 127.0.0.1 only. Usage: node scripts/echo-upstream.mjs PORT
// (scripts/stack.sh starts and stops it by PID).
import http from 'node:http';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node echo-upstream.mjs PORT');
  process.exit(2);
}

let connections = 0;
const perSocket = new WeakMap();

const server = http.createServer((req, res) => {
  let conn = perSocket.get(req.socket);
  if (!conn) {
    conn = { id: ++connections, requests: 0 };
    perSocket.set(req.socket, conn);
  }
  conn.requests += 1;
  const headers = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  const report = {
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    headers,
    connection: { id: conn.id, request: conn.requests },
  };
  // The body (if any) is read and dropped, so the connection stays usable.
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify(report);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
// Idle upstream connections are nginx's to close (its keepalive_timeout, 60 s by default).
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.listen(port, '127.0.0.1');

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
