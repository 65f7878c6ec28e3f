// A real Better Auth for tests/mcp_tools/test_better_auth_flow.py: email and password sign-in,
// the JWT plugin (session JWTs from /api/auth/token, the JWKS, and the signing of access
// tokens) and the OAuth provider plugin, whose one resource is todo-chat's /mcp.
// Its store is in memory: every run starts empty. Settings come from the environment:
//   BETTER_AUTH_PORT   the loopback port to listen on
//   MCP_RESOURCE       todo-chat's PUBLIC_URL + "/mcp"
//   MCP_SCOPE          the scope /mcp requires (todo-chat's MCP_SCOPE)
// It prints "listening <base URL>" once it answers.
import http from "node:http";

import {
  oauthProvider,
  oauthProviderAuthServerMetadata,
  oauthProviderOpenIdConfigMetadata,
} from "@better-auth/oauth-provider";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { getAuthTables } from "@better-auth/core/db";
import { toNodeHandler } from "better-auth/node";
import { jwt } from "better-auth/plugins";

const port = Number(process.env.BETTER_AUTH_PORT);
const resource = process.env.MCP_RESOURCE;
const scope = process.env.MCP_SCOPE ?? "todo";
const base = `http://127.0.0.1:${port}`;

const options = {
  baseURL: base,
  secret: "a test secret that is long enough for Better Auth 1.7",
  emailAndPassword: { enabled: true },
  plugins: [
    jwt(),
    oauthProvider({
      // The pages a deployment hosts; this test plays the browser on them.
      loginPage: `${base}/sign-in`,
      consentPage: `${base}/consent`,
      scopes: ["openid", "profile", "email", "offline_access", scope],
      resources: [{ identifier: resource, name: "todo-chat MCP", allowedScopes: [scope, "offline_access"] }],
      allowDynamicClientRegistration: true,
      allowUnauthenticatedClientRegistration: true,
      clientRegistrationDefaultResources: [resource],
      clientRegistrationDefaultScopes: [scope, "offline_access"],
      clientRegistrationAllowedScopes: [scope, "offline_access", "openid", "profile", "email"],
    }),
  ],
};
// The memory adapter wants every table (the plugins' too) to exist before it is used.
const store = Object.fromEntries(
  Object.values(getAuthTables(options)).map((table) => [table.modelName, []]),
);
export const auth = betterAuth({ ...options, database: memoryAdapter(store) });

const handler = toNodeHandler(auth);
// RFC 8414 puts the issuer's path (/api/auth) after the well-known name, outside /api/auth.
const authServerMetadata = oauthProviderAuthServerMetadata(auth);
const openIdConfig = oauthProviderOpenIdConfigMetadata(auth);

async function asNodeResponse(fetchHandler, req, res) {
  const answer = await fetchHandler(new Request(`${base}${req.url}`, { method: req.method }));
  res.writeHead(answer.status, Object.fromEntries(answer.headers));
  res.end(Buffer.from(await answer.arrayBuffer()));
}

const server = http.createServer((req, res) => {
  const path = req.url.split("?")[0];
  if (path === "/.well-known/oauth-authorization-server/api/auth") {
    return asNodeResponse(authServerMetadata, req, res);
  }
  if (path === "/.well-known/openid-configuration/api/auth") {
    return asNodeResponse(openIdConfig, req, res);
  }
  if (path.startsWith("/api/auth/")) {
    return handler(req, res);
  }
  // The login and consent pages: a browser would show a form here. The test posts for it.
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(`page ${path}\n`);
});

server.listen(port, "127.0.0.1", () => {
  console.log(`listening ${base}`);
});
