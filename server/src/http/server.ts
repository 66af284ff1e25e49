import http from 'node:http';
import fs from 'node:fs';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { MikroORM } from '@mikro-orm/better-sqlite';
import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import type { AppServices, GraphQLContext } from '../graphql/context.js';
import { buildSchema } from '../graphql/schema.js';
import { bearerFrom, createContext } from './context.js';
import { watchAccess, type Access, type AccessWatch } from '../auth/access.js';
import { maskTypedErrors, restEnvelope, restPlugin, statusForCode } from './rest-sofa.js';
import { resolveRestNames } from './rest-names.js';
import { handleWebhook, WEBHOOK_PATH_PREFIX } from './webhook-route.js';
import { ACCESS_ENDED_CLOSE_CODE, accessGuardPlugin } from './access-guard.js';
import { callerClassOf, sharedSubscriptionsPlugin } from './shared-subscriptions.js';
import { coalesceWrites } from './ws-writes.js';
import { keepSharedResult, sharedPayloadReplacer } from './shared-json.js';
import { BODY_LIMITS, declaredLength, limitedBody, refuseBody, refuseTooLarge } from './body-limits.js';
import { introspectionPlugin } from './introspection.js';
import { createLogger } from './logging.js';
import { inputHygienePlugin } from './input-hygiene.js';
import { applySecurityHeaders, originAllowed } from './security-headers.js';
import type { CachedAuthenticator } from '../auth/access-cache.js';
import { CARD_MEDIA_PREFIX, handleCardMedia } from './card-images.js';

/** The enveloped execute/subscribe travel in rootValue so WebSocket operations get the same plugins as HTTP. */
type Envelopers = {
  execute: (args: ExecutionArgs) => PromiseOrValue<ExecutionResult>;
  subscribe: (args: ExecutionArgs) => PromiseOrValue<ExecutionResult | AsyncIterable<ExecutionResult>>;
};
type PromiseOrValue<T> = T | Promise<T>;

type ServerContext = {
  req?: http.IncomingMessage;
  connectionParams?: Record<string, unknown>;
  /** Resolved before the body was read (REST). */
  access?: Access | null;
};

const clientAddressOf = (req: http.IncomingMessage | undefined) => req?.socket.remoteAddress ?? null;

export function createYogaServer(
  orm: MikroORM,
  services: AppServices,
): YogaServerInstance<ServerContext, GraphQLContext> {
  return createYoga<ServerContext, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: services.config.graphiql ? { subscriptionsProtocol: 'WS', title: 'Kinflow GraphQL' } : false,
    landingPage: false,
    // Bodies are bounded before Yoga sees them: createHttpServer requires and checks Content-Length on
    // POST /graphql, handleRest streams through limitedBody. Yoga's own limit would pipe every body
    // through a TransformStream again, a large share of a small mutation's cost.
    maxRequestBodySize: false,
    logging: createLogger({ development: services.config.development, quiet: services.config.quiet }),
    maskedErrors: { isDev: services.config.development, maskError: maskTypedErrors },
    // Closed to foreign origins unless KINFLOW_CORS_ORIGINS lists them; same-origin needs no CORS.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !services.config.corsOrigins.includes(origin)) return false;
      return {
        origin: [origin],
        methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'accept'],
        credentials: false,
        maxAge: 600,
      };
    },
    context: ({ request, connectionParams, req, access }) =>
      createContext(orm, services, {
        headers: request?.headers,
        connectionParams,
        access,
        clientAddress: clientAddressOf(req),
      }) as Promise<GraphQLContext>,
    plugins: [
      accessGuardPlugin(services.access),
      sharedSubscriptionsPlugin<GraphQLContext>({ classOf: callerClassOf }),
      introspectionPlugin(services.config.introspection),
      inputHygienePlugin(),
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        costLimit: { maxCost: 10000 },
        maxAliases: { n: 20 },
        maxTokens: { n: 5000 },
        maxDirectives: { n: 20 },
      }),
      restPlugin(),
      restEnvelope(),
    ],
  });
}

/** One port for everything: GraphQL over HTTP, SSE and WebSocket, REST, health and the PWA. */
export function createHttpServer(orm: MikroORM, services: AppServices) {
  const yoga = createYogaServer(orm, services);
  const serveStatic = fs.existsSync(services.config.pwaDir)
    ? sirv(services.config.pwaDir, { single: true, etag: true, gzip: false, dev: false })
    : undefined;

  const { config } = services;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    applySecurityHeaders(res, { csp: !(path === '/graphql' && config.graphiql) });
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (path.startsWith(CARD_MEDIA_PREFIX)) {
      void handleCardMedia(orm, services.authenticator, services.config.dataDir, req, res);
      return;
    }
    if (path.startsWith(WEBHOOK_PATH_PREFIX)) {
      if ((declaredLength(req) ?? 0) > BODY_LIMITS.webhook)
        return refuseTooLarge(res, BODY_LIMITS.webhook, 'rest');
      void handleWebhook(services.triggers, req, res);
      return;
    }
    if (path.startsWith('/v1/') || path === '/v1') {
      void handleRest(yoga, orm, services.authenticator, req, res);
      return;
    }
    if (path === '/graphql' || !serveStatic) {
      if (req.method === 'POST') {
        const length = declaredLength(req);
        // Yoga reads the body itself, so only a declared length can be checked up front.
        if (length === undefined && req.headers['transfer-encoding'])
          return refuseBody(res, 411, 'LENGTH_REQUIRED', 'send Content-Length with GraphQL requests');
        if ((length ?? 0) > BODY_LIMITS.graphql) return refuseTooLarge(res, BODY_LIMITS.graphql);
      }
      void yoga(req, res, { req });
      return;
    }
    serveStatic(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
  });

  const wsServer = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: BODY_LIMITS.graphql,
    // Browsers do not apply CORS to WebSockets, so the Origin is checked here, by the same rule.
    verifyClient: ({ origin, req }: { origin: string; req: http.IncomingMessage }) =>
      originAllowed(origin, req.headers.host, config.corsOrigins),
  });
  // A burst of events leaves each socket in one write, and a result shared by many subscribers is
  // serialised once (see ws-writes.ts and shared-json.ts).
  wsServer.on('connection', (socket) => coalesceWrites(socket));
  useServer<Record<string, unknown>, { watch?: AccessWatch }>(
    {
      // Rejecting here closes the socket with 4403; every operation re-checks its scopes via the context.
      onConnect: async (ctx) => {
        const token = bearerFrom({ connectionParams: ctx.connectionParams });
        if (!token) return false;
        const access = await services.authenticator.resolve(token);
        if (!access) return false;
        // When the key is revoked, the session logged out or expired, the whole connection ends.
        const watch = watchAccess(services.access, access);
        ctx.extra.watch = watch;
        void watch.ended.then((reason) =>
          ctx.extra.socket.close(ACCESS_ENDED_CLOSE_CODE, `access ended: ${reason}`),
        );
        // A tablet's socket is what makes it `online`; revoking the tablet closes it.
        if (access.actor.kind === 'device')
          services.care.connections.attach(access.actor.id, ctx.extra.socket);
        return true;
      },
      onClose: (ctx) => ctx.extra.watch?.stop(),
      onNext: (_ctx, _id, _payload, _args, result) => keepSharedResult(result),
      jsonMessageReplacer: sharedPayloadReplacer,
      execute: (args) => (args.rootValue as Envelopers).execute(args),
      subscribe: (args) => (args.rootValue as Envelopers).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          connectionParams: ctx.connectionParams,
          req: ctx.extra.request,
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

/**
 * REST goes through Yoga's fetch API so typed errors can be turned into the matching HTTP status.
 * Credentials are checked before a byte of the body is read, and the body is bounded. The body is
 * always the envelope: `{ data }` or `{ error: { code, message, … } }`.
 */
async function handleRest(
  yoga: YogaServerInstance<ServerContext, GraphQLContext>,
  orm: MikroORM,
  authenticator: CachedAuthenticator,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  try {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers.set(key, value);
    const token = bearerFrom({ headers });
    const access = token ? await authenticator.resolve(token) : null;
    if (token && !access)
      return refuseBody(
        res,
        401,
        'UNAUTHENTICATED',
        'the token is not valid (revoked, expired or mistyped)',
        'rest',
      );
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (hasBody && !access && path !== '/v1/login')
      return refuseBody(
        res,
        401,
        'UNAUTHENTICATED',
        'send Authorization: Bearer <API key or session token> (or X-API-Key) with the request',
        'rest',
      );
    const limit = access ? BODY_LIMITS.rest : BODY_LIMITS.anonymousRest;
    if (hasBody && (declaredLength(req) ?? 0) > limit) return refuseTooLarge(res, limit, 'rest');
    const target = await resolveRestNames(orm, req.url ?? '/');
    const url = `http://${req.headers.host ?? 'localhost'}${target}`;
    let tooLarge = false;
    const request = new Request(url, {
      method: req.method,
      headers,
      body: hasBody ? limitedBody(req, limit, () => (tooLarge = true)) : undefined,
      duplex: 'half',
    } as RequestInit);
    const response = await yoga.fetch(request, { req, access });
    if (tooLarge) return refuseTooLarge(res, limit, 'rest');
    let body = Buffer.from(await response.arrayBuffer());
    let status = response.status;
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => (out[key] = value));
    if (status === 404 && body.length === 0) {
      body = Buffer.from(
        JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } }),
      );
      out['content-type'] = 'application/json; charset=utf-8';
    } else if (status < 300 && response.headers.get('content-type')?.includes('json')) {
      const parsed = JSON.parse(body.toString() || 'null') as { error?: { code?: unknown } } | null;
      if (parsed?.error) status = statusForCode(parsed.error.code);
    }
    out['content-length'] = String(body.length);
    res.writeHead(status, out).end(body);
  } catch {
    // Nothing internal leaks: the message stays generic.
    if (!res.headersSent)
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'INTERNAL', message: 'the request could not be handled' } }));
  }
}
