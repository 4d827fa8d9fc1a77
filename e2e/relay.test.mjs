// relay-runtime (the real package) against a running blogql at BLOGQL_URL, with the
// artifacts relay-compiler wrote from relay/Blog.js against schema.graphql: a
// refetchable fragment on Post, a @connection on Author.posts paged forward, and a
// mutation whose payload updates the store.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  Environment,
  Network,
  RecordSource,
  Store,
  commitMutation,
  createOperationDescriptor,
  fetchQuery,
  getSingularSelector,
} from "relay-runtime";

import BlogAuthorQuery from "./relay/__generated__/BlogAuthorQuery.graphql.js";
import BlogAuthorPostsPaginationQuery from "./relay/__generated__/BlogAuthorPostsPaginationQuery.graphql.js";
import BlogPostQuery from "./relay/__generated__/BlogPostQuery.graphql.js";
import BlogPostRefetchQuery from "./relay/__generated__/BlogPostRefetchQuery.graphql.js";
import BlogRenameMutation from "./relay/__generated__/BlogRenameMutation.graphql.js";
import Blog_author from "./relay/__generated__/Blog_author.graphql.js";
import Blog_post from "./relay/__generated__/Blog_post.graphql.js";

import { URI, login } from "./server.mjs";

/** An environment whose store keys records by `nodeId` (see the README), and the
 * operations it sent. */
function environment(token) {
  const sent = [];
  const network = Network.create(async (params, variables) => {
    sent.push({ name: params.name, text: params.text, variables });
    const resp = await fetch(URI, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: params.text, variables }),
    });
    const body = await resp.json();
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body;
  });
  const env = new Environment({
    network,
    store: new Store(new RecordSource()),
    getDataID: (fields, typeName) => fields.nodeId ?? fields.id,
  });
  return { env, sent };
}

const run = (env, query, variables) => fetchQuery(env, query, variables).toPromise();

/** What `fragment` reads from the store for the object `ref` points at. */
function read(env, fragment, ref) {
  return env.lookup(getSingularSelector(fragment, ref)).data;
}

/** The root of `query` with `variables`, as the store holds it now. */
function root(env, query, variables) {
  return env.lookup(createOperationDescriptor(query, variables).fragment).data;
}

test("a refetchable fragment on Post refetches through node(id:)", async () => {
  const { env, sent } = environment();
  const vars = { slug: "python-tips" };
  await run(env, BlogPostQuery, vars);
  const post = read(env, Blog_post, root(env, BlogPostQuery, vars).post);
  assert.equal(post.title, "Python tips");
  assert.match(post.nodeId, /^[A-Za-z0-9+/]+=*$/);
  assert.equal(Buffer.from(post.nodeId, "base64").toString(), "Post:3");

  const data = await run(env, BlogPostRefetchQuery, { nodeId: post.nodeId });
  assert.match(sent.at(-1).text, /node\(id: \$nodeId\)/);
  const refetched = read(env, Blog_post, data.node);
  assert.deepEqual(refetched, post);
});

test("a @connection on Author.posts pages forward and merges in the store", async () => {
  const token = await login("alice");
  // Every post alice sees of hers, by id, straight from the server.
  const resp = await fetch(URI, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: `{ author(username: "alice") { posts(first: 100) { nodes { title } } } }`,
    }),
  });
  const all = (await resp.json()).data.author.posts.nodes.map((p) => p.title);
  assert.ok(all.length > 2, "alice has more than one page of posts");
  assert.ok(all.includes("Draft: ORM deep dive"), "her draft is hers to see");

  const { env, sent } = environment(token);
  const vars = { username: "alice" };
  await run(env, BlogAuthorQuery, vars);
  const ref = root(env, BlogAuthorQuery, vars).author;
  const first = read(env, Blog_author, ref);
  assert.equal(first.username, "alice");
  assert.deepEqual(
    first.posts.edges.map((e) => e.node.title),
    all.slice(0, 2),
  );
  assert.equal(first.posts.pageInfo.hasNextPage, true);

  // The rest, as usePaginationFragment's loadNext(100) asks for it.
  await run(env, BlogAuthorPostsPaginationQuery, {
    count: 100,
    cursor: first.posts.pageInfo.endCursor,
    nodeId: first.nodeId,
  });
  assert.equal(sent.at(-1).name, "BlogAuthorPostsPaginationQuery");
  const merged = read(env, Blog_author, ref);
  assert.deepEqual(
    merged.posts.edges.map((e) => e.node.title),
    all,
  );
  assert.equal(merged.posts.pageInfo.hasNextPage, false);
});

test("a mutation payload updates the record in the store", async () => {
  const { env } = environment(await login("bob"));
  const vars = { slug: "python-tips" };
  await run(env, BlogPostQuery, vars);
  const ref = root(env, BlogPostQuery, vars).post;
  const before = read(env, Blog_post, ref);

  const rename = (title) =>
    new Promise((resolve, reject) =>
      commitMutation(env, {
        mutation: BlogRenameMutation,
        variables: { id: before.nodeId, title },
        onCompleted: (resp, errors) => (errors ? reject(errors) : resolve(resp)),
        onError: reject,
      }),
    );
  await rename("Python tips, renamed by Relay");
  // Nothing refetched: the payload's record, keyed by nodeId, is the one the query read.
  assert.equal(read(env, Blog_post, ref).title, "Python tips, renamed by Relay");
  await rename(before.title);
  assert.equal(read(env, Blog_post, ref).title, "Python tips");
});
