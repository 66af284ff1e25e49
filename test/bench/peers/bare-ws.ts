// A bare graphql-ws server whose one subscription sends the time it was published, 10 times a second
// to every subscriber (one source, like a pubsub topic): the baseline for Kinflow's fan-out.
// Run in its own process: `tsx bench/peers/bare-ws.ts <port>`; it prints "ready" when listening.
import http from 'node:http';
import { createSchema } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const EVENTS_PER_SECOND = Number(process.argv[3] ?? 10);
const listeners = new Set<(at: string) => void>();
setInterval(() => {
  const at = new Date().toISOString();
  for (const listener of listeners) listener(at);
}, 1000 / EVENTS_PER_SECOND);

async function* published(): AsyncGenerator<{ published: { at: string } }> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const listener = (at: string) => {
    queue.push(at);
    wake?.();
  };
  listeners.add(listener);
  try {
    for (;;) {
      while (queue.length) yield { published: { at: queue.shift()! } };
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    listeners.delete(listener);
  }
}

const schema = createSchema({
  typeDefs: `type Query { hello: String! } type Event { at: String! } type Subscription { published: Event! }`,
  resolvers: { Query: { hello: () => 'world' }, Subscription: { published: { subscribe: published } } },
});
const server = http.createServer((_req, res) => res.writeHead(404).end());
useServer({ schema }, new WebSocketServer({ server, path: '/graphql' }));
server.listen(port, '127.0.0.1', () => console.log('ready'));
