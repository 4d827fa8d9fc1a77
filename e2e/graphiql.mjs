// GraphiQL in a real headless Chromium (Debian's, driven by playwright-core): the
// page loads from the server alone (any request elsewhere fails the run), a query
// typed into the editor runs, and the nested result shows, with the URL of an
// avatar uploaded just before, which the browser then loads as an image. The screenshot is kept
// at e2e/artifacts/graphiql.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

import { BASE, PNG, URI, login } from "./server.mjs";

// alice's avatar, uploaded as the multipart request spec has it, for GraphiQL to show.
const form = new FormData();
form.append(
  "operations",
  JSON.stringify({
    query: "mutation($f: Upload!) { setAvatar(file: $f) { profile { avatarUrl } } }",
    variables: { f: null },
  }),
);
form.append("map", JSON.stringify({ 0: ["variables.f"] }));
form.append("0", new File([PNG], "alice.png", { type: "image/png" }));
const uploaded = await fetch(URI, {
  method: "POST",
  headers: { authorization: `Bearer ${await login("alice")}`, "apollo-require-preflight": "1" },
  body: form,
});
const avatarUrl = (await uploaded.json()).data.setAvatar.profile.avatarUrl;
assert.match(avatarUrl, /^\/media\/avatars\/[0-9a-f]{64}\.png$/);
const ARTIFACTS = new URL("./artifacts/", import.meta.url);
mkdirSync(ARTIFACTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const foreign = [];
  page.on("request", (req) => {
    if (!req.url().startsWith(BASE) && !req.url().startsWith("data:")) foreign.push(req.url());
  });
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));

  await page.goto(`${BASE}/`, { waitUntil: "networkidle" });
  const editor = page.locator(".graphiql-query-editor .CodeMirror").first();
  await editor.waitFor({ timeout: 15000 });

  // Replace the default query with one typed in, as a person would.
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type(
    '{ author(username: "alice") { username profile { city avatarUrl } posts(first: 2) { nodes { title } } }',
  );
  // CodeMirror closes brackets itself; what was typed is the whole query above.
  await page.locator("button.graphiql-execute-button").click();

  const result = page.locator(".graphiql-response .CodeMirror");
  await result.getByText("Casablanca").first().waitFor({ timeout: 15000 });
  const text = await result.innerText();
  assert.match(text, /"username": "alice"/);
  assert.match(text, /"city": "Casablanca"/);
  assert.match(text, /"title": "Getting started with Django"/);
  assert.ok(text.includes(`"avatarUrl": "${avatarUrl}"`), "GraphiQL shows the avatar's URL");

  // The URL shown is an image the browser loads from the server.
  const image = await browser.newPage();
  const resp = await image.goto(`${BASE}${avatarUrl}`);
  assert.equal(resp.status(), 200);
  assert.equal(resp.headers()["content-type"], "image/png");
  await image.close();

  await page.screenshot({ path: new URL("graphiql.png", ARTIFACTS).pathname, fullPage: true });
  assert.deepEqual(foreign, [], "GraphiQL loads nothing from elsewhere");
  assert.deepEqual(errors, [], "no script errors");
  console.log("GraphiQL: query typed, run and shown; screenshot at e2e/artifacts/graphiql.png");
} finally {
  await browser.close();
}
