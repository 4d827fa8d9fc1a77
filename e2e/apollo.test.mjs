// Apollo Client 3 (the real package, from the npm registry) against a running
// blogql at BLOGQL_URL: normalisation, cache updates from a mutation payload, relay
// pagination, automatic persisted queries, batching, a subscription, and an upload
// with apollo-upload-client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { relayStylePagination } from "@apollo/client/utilities/index.js";
import { BatchHttpLink } from "@apollo/client/link/batch-http/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions/index.js";
import createUploadLink from "apollo-upload-client/createUploadLink.mjs";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

import { BASE, PNG, URI, login } from "./server.mjs";

/** A fetch that records every HTTP request (method, URL, parsed body). */
function recorder() {
  const sent = [];
  const fetchAndRecord = (url, init = {}) => {
    sent.push({
      method: init.method ?? "GET",
      url: String(url),
      body: init.body ? JSON.parse(init.body) : null,
    });
    return fetch(url, init);
  };
  return { sent, fetch: fetchAndRecord };
}

function client(link, cache = new InMemoryCache()) {
  return new ApolloClient({ link, cache });
}

test("nested relations are normalised by __typename and id", async () => {
  const { fetch } = recorder();
  const apollo = client(new HttpLink({ uri: URI, fetch }));
  const { data } = await apollo.query({
    query: gql`
      {
        authors(first: 3) {
          nodes {
            id
            username
            profile { id city }
            posts(first: 5) { nodes { id title tags { nodes { id name } } } }
          }
        }
      }
    `,
  });
  assert.equal(data.authors.nodes[0].username, "alice");
  const cache = apollo.cache.extract();
  assert.equal(cache["Author:1"].username, "alice");
  assert.equal(cache["Profile:1"].city, "Casablanca");
  assert.deepEqual(cache["Author:1"].profile, { __ref: "Profile:1" });
  const posts = cache["Author:1"]['posts({"first":5})'];
  assert.deepEqual(posts.nodes, [{ __ref: "Post:1" }, { __ref: "Post:2" }]);
  assert.equal(cache["Post:1"].title, "Getting started with Django");
  // A tag on two posts is one cache entry, referenced twice.
  assert.equal(cache["Tag:2"].name, "python");
  assert.deepEqual(cache["Post:1"].tags.nodes.map((t) => t.__ref), ["Tag:1", "Tag:2"]);
});

test("a mutation's payload updates the cache without a refetch", async () => {
  const token = await login("alice");
  const { sent, fetch } = recorder();
  const apollo = client(
    new HttpLink({ uri: URI, fetch, headers: { authorization: `Bearer ${token}` } }),
  );
  const POST = gql`{ post(id: "2") { id title } }`;
  const seen = [];
  const watching = apollo.watchQuery({ query: POST }).subscribe({
    next: ({ data }) => seen.push(data.post.title),
  });
  await apollo.query({ query: POST });
  await apollo.mutate({
    mutation: gql`mutation { updatePost(id: "2", input: { title: "Rust, still" }) { post { id title } } }`,
  });
  // The watcher saw the new title from the mutation's payload alone.
  await new Promise((resolve) => setTimeout(resolve, 50));
  watching.unsubscribe();
  assert.equal(seen.at(-1), "Rust, still");
  const cached = apollo.readQuery({ query: POST });
  assert.equal(cached.post.title, "Rust, still");
  assert.equal(sent.length, 2, "one query and one mutation, no refetch");
});

test("relay-style pagination merges pages of a connection", async () => {
  const { sent, fetch } = recorder();
  const cache = new InMemoryCache({
    typePolicies: { Query: { fields: { posts: relayStylePagination(["filter", "orderBy"]) } } },
  });
  const apollo = client(new HttpLink({ uri: URI, fetch }), cache);
  const POSTS = gql`
    query Posts($after: String) {
      posts(first: 2, after: $after) {
        edges { cursor node { id title } }
        pageInfo { hasNextPage endCursor }
      }
    }
  `;
  const first = await apollo.query({ query: POSTS });
  assert.deepEqual(first.data.posts.edges.map((e) => e.node.id), ["1", "2"]);
  assert.equal(first.data.posts.pageInfo.hasNextPage, true);
  const watcher = apollo.watchQuery({ query: POSTS });
  const watching = watcher.subscribe({ next: () => {} });
  const merged = await watcher.fetchMore({ variables: { after: first.data.posts.pageInfo.endCursor } });
  assert.deepEqual(merged.data.posts.edges.map((e) => e.node.id), ["3"]);
  const all = apollo.readQuery({ query: POSTS });
  assert.deepEqual(all.posts.edges.map((e) => e.node.id), ["1", "2", "3"]);
  assert.equal(all.posts.pageInfo.hasNextPage, false);
  watching.unsubscribe();
  assert.equal(sent.length, 2);
});

test("automatic persisted queries: not found, registered, then by hash over GET", async () => {
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const { sent, fetch } = recorder();
  const link = () =>
    createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri: URI, fetch }),
    );
  const TAGS = gql`query Tags { tags(first: 10) { nodes { id name } } }`;
  const first = await client(link()).query({ query: TAGS });
  assert.equal(first.data.tags.nodes.length, 3);
  // A fresh client (empty cache) asks by hash again, and the server knows it now.
  const again = await client(link()).query({ query: TAGS });
  assert.equal(again.data.tags.nodes.length, 3);

  assert.equal(sent.length, 3);
  const [unknown, registered, byHash] = sent;
  assert.equal(unknown.method, "GET");
  assert.ok(!new URL(unknown.url).searchParams.has("query"), "the first GET has no document");
  assert.equal(registered.method, "POST");
  assert.ok(registered.body.query.includes("tags"), "the retry carries the document");
  assert.equal(byHash.method, "GET");
  assert.ok(!new URL(byHash.url).searchParams.has("query"));
});

test("a batch link sends several operations in one request", async () => {
  const { sent, fetch } = recorder();
  const apollo = client(new BatchHttpLink({ uri: URI, fetch, batchMax: 10, batchInterval: 20 }));
  const [posts, tags, author] = await Promise.all([
    apollo.query({ query: gql`{ posts { totalCount } }` }),
    apollo.query({ query: gql`{ tags { totalCount } }` }),
    apollo.query({ query: gql`{ author(username: "bob") { id name } }` }),
  ]);
  assert.equal(posts.data.posts.totalCount, 3);
  assert.equal(tags.data.tags.totalCount, 3);
  assert.equal(author.data.author.name, "Bob Dupont");
  assert.equal(sent.length, 1, "one HTTP request");
  assert.ok(Array.isArray(sent[0].body) && sent[0].body.length === 3);
});

test("a subscription hears a post being published", async () => {
  const token = await login("carol");
  const ws = createClient({
    url: URI.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
  });
  const apollo = client(new GraphQLWsLink(ws));
  const heard = new Promise((resolve, reject) => {
    const sub = apollo
      .subscribe({ query: gql`subscription { postPublished { id title author { username } } }` })
      .subscribe({
        next: ({ data }) => {
          sub.unsubscribe();
          resolve(data.postPublished);
        },
        error: reject,
      });
  });
  // Give the subscription a moment to reach the server before publishing.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const resp = await fetch(URI, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: `mutation { createPost(input: { title: "Heard live", body: "b", publish: true }) { post { id } } }`,
    }),
  });
  const created = (await resp.json()).data.createPost.post;
  const event = await heard;
  assert.deepEqual(event, {
    __typename: "Post",
    id: created.id,
    title: "Heard live",
    author: { __typename: "Author", username: "carol" },
  });
  await ws.dispose();
});

test("apollo-upload-client uploads an avatar, which the server then serves", async () => {
  const token = await login("bob");
  const apollo = client(
    createUploadLink({
      uri: URI,
      // Apollo's CSRF rule: multipart requests carry a header a form cannot set.
      headers: { authorization: `Bearer ${token}`, "Apollo-Require-Preflight": "true" },
    }),
  );
  const file = new File([PNG], "me.png", { type: "image/png" });
  const { data } = await apollo.mutate({
    mutation: gql`
      mutation ($file: Upload!) {
        setAvatar(file: $file) { profile { id avatarUrl } author { id username } }
      }
    `,
    variables: { file },
  });
  const url = data.setAvatar.profile.avatarUrl;
  const hash = createHash("sha256").update(PNG).digest("hex");
  assert.equal(url, `/media/avatars/${hash}.png`);
  assert.equal(apollo.cache.extract()[`Profile:${data.setAvatar.profile.id}`].avatarUrl, url);

  const resp = await fetch(`${BASE}${url}`);
  assert.equal(resp.status, 200);
  assert.equal(resp.headers.get("content-type"), "image/png");
  assert.equal(resp.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.deepEqual(Buffer.from(await resp.arrayBuffer()), PNG);

  // Not an image by its bytes: refused on `file`, whatever the name says.
  const fake = new File([Buffer.from("<svg/>")], "me.png", { type: "image/png" });
  const refused = await apollo.mutate({
    mutation: gql`mutation ($file: Upload!) { setAvatar(file: $file) { profile { id } } }`,
    variables: { file: fake },
    errorPolicy: "all",
  });
  assert.equal(refused.errors[0].extensions.code, "BAD_USER_INPUT");
  assert.equal(refused.errors[0].extensions.field, "file");
});
