import http from 'node:http';
import { Readable } from 'node:stream';
import fs from 'node:fs';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { MikroORM } from '@mikro-orm/better-sqlite';
import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import sirv from 'sirv';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppServices, GraphQLContext } from '../graphql/context.js';
import { buildSchema } from '../graphql/schema.js';
import { bearerFrom, createContext } from './context.js';
import { resolveToken } from '../auth/service.js';
import { restPlugin, statusForPayload } from './rest-sofa.js';
import { handleWebhook, WEBHOOK_PATH_PREFIX } from './webhook-route.js';
import { CARD_MEDIA_PREFIX, handleCardMedia } from './card-images.js';

/** The enveloped execute/subscribe travel in rootValue so WebSocket operations get the same plugins as HTTP. */
type Envelopers = {
  execute: (args: ExecutionArgs) => PromiseOrValue<ExecutionResult>;
  subscribe: (args: ExecutionArgs) => PromiseOrValue<ExecutionResult | AsyncIterable<ExecutionResult>>;
};
type PromiseOrValue<T> = T | Promise<T>;

type ServerContext = { req?: http.IncomingMessage; connectionParams?: Record<string, unknown> };

export function createYogaServer(
  orm: MikroORM,
  services: AppServices,
): YogaServerInstance<ServerContext, GraphQLContext> {
  return createYoga<ServerContext, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: services.config.graphiql ? { subscriptionsProtocol: 'WS', title: 'Kinflow GraphQL' } : false,
    landingPage: false,
    logging: services.config.quiet ? 'error' : 'warn',
    maskedErrors: { isDev: services.config.graphiql },
    context: ({ request, connectionParams }) =>
      createContext(orm, services, {
        headers: request?.headers,
        connectionParams,
      }) as Promise<GraphQLContext>,
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        costLimit: { maxCost: 10000 },
        maxAliases: { n: 20 },
        maxTokens: { n: 5000 },
        maxDirectives: { n: 20 },
      }),
      restPlugin(),
    ],
  });
}

/** One port for everything: GraphQL over HTTP, SSE and WebSocket, REST, health and the PWA. */
export function createHttpServer(orm: MikroORM, services: AppServices) {
  const yoga = createYogaServer(orm, services);
  const serveStatic = fs.existsSync(services.config.pwaDir)
    ? sirv(services.config.pwaDir, { single: true, etag: true, gzip: false, dev: false })
    : undefined;

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (path.startsWith(CARD_MEDIA_PREFIX)) {
      void handleCardMedia(orm, services.config.dataDir, req, res);
      return;
    }
    if (path.startsWith(WEBHOOK_PATH_PREFIX)) {
      void handleWebhook(services.triggers, req, res);
      return;
    }
    if (path.startsWith('/v1/') || path === '/v1') {
      void handleRest(yoga, req, res);
      return;
    }
    if (path === '/graphql' || !serveStatic) {
      void yoga(req, res, { req });
      return;
    }
    serveStatic(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
  });

  const wsServer = new WebSocketServer({ server, path: '/graphql' });
  useServer<Record<string, unknown>>(
    {
      // Rejecting here closes the socket with 4403; every operation re-checks its scopes via the context.
      onConnect: async (ctx) => {
        const token = bearerFrom({ connectionParams: ctx.connectionParams });
        if (!token) return false;
        const em = orm.em.fork();
        const actor = await resolveToken(em, token);
        // A tablet's socket is what makes it `online`; revoking the tablet closes it.
        if (actor?.kind === 'device')
          services.care.connections.attach(actor.id, (ctx.extra as { socket: WebSocket }).socket);
        return actor !== null;
      },
      execute: (args) => (args.rootValue as Envelopers).execute(args),
      subscribe: (args) => (args.rootValue as Envelopers).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          connectionParams: ctx.connectionParams,
          params: payload,
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
          const errors = validate(schema, document);
          if (errors.length) return errors;
        } catch (error) {
          // graphql-armor's limits throw from parse/validate; report them like any syntax error.
          // Checked by name: the armor plugin may load a different copy of graphql-js than ours.
          if (error instanceof Error && error.name === 'GraphQLError') return [error as GraphQLError];
          throw error;
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wsServer,
  );

  return { server, yoga, wsServer };
}

/** REST goes through Yoga's fetch API so typed errors can be turned into the matching HTTP status. */
async function handleRest(
  yoga: YogaServerInstance<ServerContext, GraphQLContext>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  try {
    const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(url, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      duplex: 'half',
    } as RequestInit);
    const response = await yoga.fetch(request, { req });
    let body = Buffer.from(await response.arrayBuffer());
    let status = response.status;
    if (status === 200 && response.headers.get('content-type')?.includes('json')) {
      const errorStatus = statusForPayload(JSON.parse(body.toString() || 'null'));
      if (errorStatus) status = errorStatus;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    headers['content-length'] = String(body.length);
    res.writeHead(status, headers).end(body);
    body = Buffer.alloc(0);
  } catch (error) {
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
  }
}
