// The blogql under test (BLOGQL_URL, set by e2e/run) and a sign-in, for every
// client test here.
import assert from "node:assert/strict";

export const BASE = process.env.BLOGQL_URL;
assert.ok(BASE, "BLOGQL_URL names the server under test");
export const URI = `${BASE}/graphql`;

/** A 1×1 PNG, for avatar uploads. */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

/** A bearer token for a demo author (password `blogql-demo`). */
export async function login(username) {
  const resp = await fetch(URI, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `mutation($u: String!) { login(usernameOrEmail: $u, password: "blogql-demo") { token } }`,
      variables: { u: username },
    }),
  });
  const body = await resp.json();
  return body.data.login.token;
}
