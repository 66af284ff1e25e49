// A bare graphql-yoga server with one `hello` field and a bare graphql-ws server with one
// subscription: the baselines Kinflow's own GraphQL is measured against. Run in its own process:
// `tsx bench/peers/bare-yoga.ts <port>`; it prints "ready" when listening.
import http from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const schema = createSchema({
  typeDefs: `type Query { hello: String! } type Subscription { ticks: Int! }`,
  resolvers: {
    Query: { hello: () => 'world' },
    Subscription: {
      ticks: {
        subscribe: async function* () {
          for (let i = 0; ; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            yield { ticks: i };
          }
        },
      },
    },
  },
});
const yoga = createYoga({ schema, logging: false, graphiql: false });
const server = http.createServer(yoga);
useServer({ schema }, new WebSocketServer({ server, path: '/graphql' }));
server.listen(port, '127.0.0.1', () => console.log('ready'));
