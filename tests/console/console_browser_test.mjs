// The operator console in Debian's Chromium, headless, driven by
// playwright-core, against the real storage_service and gateway on
// loopback. The legacy fixture (tests/migrator/testdata, made with
// ANCHOR=now so its threads and metrics are recent) is imported by the real
// migrator first; what the page must show is read from the API, never
// written down here.
//
// Run by //tests/console:console_browser_test, which passes:
//   CONSOLE_DIR     console/ in the source tree (with node_modules)
//   STORAGE_BIN, GATEWAY_BIN, MIGRATOR_BIN, MAKE_LEGACY_DB, CHROMIUM
//   SCREENSHOT_DIR  where each view's screenshot goes
//   TEST_TMPDIR     scratch space
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

function env(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (run through console_browser_test)`);
  return value;
}

const tmpDir = fs.mkdtempSync(path.join(env("TEST_TMPDIR"), "console-"));
const screenshots = env("SCREENSHOT_DIR");
const kDesktop = { width: 1360, height: 900 };
const kPhone = { width: 390, height: 844 };
const kTimeout = 15000;

// ---- Processes ---------------------------------------------------------------

const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts `binary` with `args`; its output goes to a log file in tmpDir.
function start(name, binary, args) {
  const log = fs.openSync(path.join(tmpDir, `${name}.log`), "a");
  const child = spawn(binary, args, { stdio: ["ignore", log, log] });
  child.exited = new Promise((resolve) => child.on("exit", resolve));
  children.push(child);
  return child;
}

function run(binary, args, options = {}) {
  const result = spawnSync(binary, args, { encoding: "utf8", timeout: 120000, ...options });
  assert.equal(result.status, 0,
      `${path.basename(binary)} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

async function waitFor(what, check, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}: ${last ? last.message : ""}`);
}

// ---- The stack -------------------------------------------------------------

let base;        // http://127.0.0.1:PORT
const tokens = {};  // name -> bearer token
let browser;
const cspViolations = [];
const pageErrors = [];

// A token from the gateway's own --new_token.
function makeToken(name, scopes) {
  const [token, line] = run(env("GATEWAY_BIN"),
      [`--new_token=${name}`, `--new_token_scopes=${scopes}`]).trim().split("\n");
  tokens[name] = token;
  return line;
}

async function api(tokenName, method, target, body, headers = {}) {
  const response = await fetch(base + target, {
    method,
    headers: {
      Authorization: `Bearer ${tokens[tokenName]}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : {} };
}

async function apiOk(tokenName, method, target, body) {
  const response = await api(tokenName, method, target, body);
  assert.equal(response.status, 200, `${method} ${target}: ${response.text}`);
  return response.json;
}

async function listAll(target, field) {
  const items = [];
  let pageToken = "";
  do {
    const separator = target.includes("?") ? "&" : "?";
    const page = await apiOk("admin", "GET",
        `${target}${separator}pageSize=1000&pageToken=${encodeURIComponent(pageToken)}`);
    items.push(...(page[field] || []));
    pageToken = page.nextPageToken || "";
  } while (pageToken);
  return items;
}

// A raw request, so that the path reaches the gateway exactly as written
// (fetch would normalise "..").
function rawGet(target) {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const request = http.request({ host: url.hostname, port: url.port, path: target, method: "GET" },
        (response) => {
          let body = "";
          response.on("data", (chunk) => { body += chunk; });
          response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body }));
        });
    request.on("error", reject);
    request.end();
  });
}

before(async () => {
  // The legacy file, anchored now, and the storage service it goes into.
  const legacy = path.join(tmpDir, "opsbrain.db");
  run("/bin/bash", [env("MAKE_LEGACY_DB"), legacy], { env: { ...process.env, ANCHOR: "now" } });
  const storagePort = await freePort();
  const storageAddress = `127.0.0.1:${storagePort}`;
  start("storage", env("STORAGE_BIN"), [
    `--listen=${storageAddress}`,
    `--database_url=sqlite://${path.join(tmpDir, "store.db")}`,
    "--migrate",
  ]);
  // The migrator waits for the storage service to answer.
  run(env("MIGRATOR_BIN"), [`--storage=${storageAddress}`, "--connect-timeout=60s",
    "import", `--from=${legacy}`]);

  // Tokens: an operator who reads and writes (no secrets), a viewer who
  // only reads, a keeper of secrets who reads, and an admin.
  const lines = [
    makeToken("operator", "read,write"),
    makeToken("viewer", "read"),
    makeToken("keeper", "read,secrets"),
    makeToken("admin", "admin"),
  ];
  const tokenFile = path.join(tmpDir, "tokens");
  fs.writeFileSync(tokenFile, `${lines.join("\n")}\n`, { mode: 0o600 });

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  start("gateway", env("GATEWAY_BIN"), [
    `--port=${port}`,
    "--bind_address=127.0.0.1",
    `--storage=${storageAddress}`,
    "--storage_plaintext",
    `--auth_tokens_file=${tokenFile}`,
    `--console_dir=${env("CONSOLE_DIR")}`,
  ]);
  await waitFor("the gateway's /readyz", async () => (await fetch(`${base}/readyz`)).status === 200);

  browser = await chromium.launch({
    executablePath: env("CHROMIUM"),
    headless: true,
    // As root, Chromium needs --no-sandbox; /dev/shm may be small.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
});

after(async () => {
  if (browser) await browser.close();
  for (const child of children.reverse()) {
    if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 10000))]);
  }
});

// ---- Pages -------------------------------------------------------------------

// A new browser context (its own session storage) with a page that records
// CSP violations, page errors and every request.
async function newPage(viewport = kDesktop) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(kTimeout);
  page.requests = [];
  page.on("request", (request) => page.requests.push(request.url()));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return page;
}

async function signIn(page, tokenName) {
  await page.goto(`${base}/console/`);
  await page.getByLabel("Bearer token").fill(tokens[tokenName]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("nav#nav").waitFor({ state: "visible" });
}

async function openView(page, name, heading) {
  await page.locator(`#nav a[data-view="${name}"]`).click();
  await page.getByRole("heading", { level: 2, name: heading }).waitFor();
  await page.locator("#view .loading").first().waitFor({ state: "detached" });
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

function goalCard(page, id) {
  return page.locator(`article.goal[data-goal="${id}"]`);
}

// ---- Scenarios -------------------------------------------------------------

test("the console's files are open and hardened; the API stays behind auth", async () => {
  const index = await fetch(`${base}/console/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get("content-type"), /^text\/html/);
  const csp = index.headers.get("content-security-policy");
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(index.headers.get("x-content-type-options"), "nosniff");
  assert.equal(index.headers.get("referrer-policy"), "no-referrer");
  assert.equal(index.headers.get("x-frame-options"), "DENY");
  const html = await index.text();
  assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+=|style=/i,
      "no inline script, handler or style in the page");

  const chart = await fetch(`${base}/console/node_modules/chart.js/dist/chart.umd.min.js`);
  assert.equal(chart.status, 200, "Chart.js is served from console/node_modules");
  assert.match(chart.headers.get("content-type"), /^text\/javascript/);

  const bare = await rawGet("/console");
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.location, "/console/");
  for (const target of ["/console/../BUILD", "/console/%2e%2e/BUILD", "/console/package.json",
    "/console/..%2f..%2fWORKSPACE", "/console/js/../../tests/console/BUILD"]) {
    assert.equal((await rawGet(target)).status, 404, target);
  }
  const noToken = await fetch(`${base}/v1/businessGoals`);
  assert.equal(noToken.status, 401);
});

test("signs in with a token, keeps it for the session only, and shows the fixture's goals by area",
    async () => {
      const goals = await listAll("/v1/businessGoals", "businessGoals");
      assert.ok(goals.length >= 5, `the fixture has goals (${goals.length})`);
      const page = await newPage();
      await page.goto(`${base}/console/`);
      // A wrong token is refused, plainly.
      await page.getByLabel("Bearer token").fill("opsb_not-a-real-token");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "401" }).waitFor();

      await signIn(page, "operator");
      await page.locator("#view .loading").waitFor({ state: "detached" });
      for (const goal of goals) {
        const card = goalCard(page, goal.id);
        await card.waitFor();
        assert.equal(await card.locator('[data-field="title"]').textContent(), goal.title);
        assert.equal(await card.locator('[data-field="progress"]').textContent(), `${goal.progress}%`);
        assert.equal(await card.locator("xpath=ancestor::section[@data-area]").getAttribute("data-area"),
            goal.area);
      }
      const storage = await page.evaluate(() => ({
        session: Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)),
        local: localStorage.length,
        cookies: document.cookie,
      }));
      assert.ok(storage.session.includes(tokens.operator), "the token is in session storage");
      assert.equal(storage.local, 0, "nothing in local storage");
      assert.equal(storage.cookies, "");
      for (const url of page.requests) {
        assert.ok(!url.includes(tokens.operator), `no token in a URL: ${url}`);
      }
      await screenshot(page, "goals");
      // The first screenful, for the README (docs/console.png).
      await page.screenshot({ path: path.join(screenshots, "console.png") });
      await page.setViewportSize(kPhone);
      await screenshot(page, "goals-phone");
      // Keyboard: from the top of the page, Tab reaches the skip link, then
      // the navigation; Enter on a link opens its view with focus on its
      // heading.
      await page.reload();
      await goalCard(page, goals[0].id).waitFor();
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement.textContent), "Goals");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 2, name: "Configurations" }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.textContent), "Configurations");
      assert.equal(await page.evaluate(() => document.activeElement.tagName), "H2");
      await page.context().close();
    });

test("changes a goal's progress and sees it after a reload and in the audit log", async () => {
  const goals = await listAll("/v1/businessGoals", "businessGoals");
  const goal = goals.find((g) => g.progress < 90) || goals[0];
  const target = goal.progress === 73 ? 74 : 73;
  const page = await newPage();
  await signIn(page, "operator");
  const card = goalCard(page, goal.id);
  await card.getByRole("button", { name: "Edit" }).click();
  await card.getByLabel("Progress (%)").fill(String(target));
  await card.getByRole("button", { name: "Save" }).click();
  await card.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  assert.equal(await card.locator('[data-field="progress"]').textContent(), `${target}%`);

  const stored = await apiOk("admin", "GET", `/v1/businessGoals/${goal.id}`);
  assert.equal(stored.progress, target);

  await page.reload();
  await goalCard(page, goal.id).waitFor();
  assert.equal(await goalCard(page, goal.id).locator('[data-field="progress"]').textContent(), `${target}%`,
      "still signed in after a reload (session storage), with the new progress");

  await openView(page, "audit", "Audit log");
  const entry = page.locator(`article.audit-entry[data-table="business_goals"][data-record="${goal.id}"]`).first();
  await entry.waitFor();
  assert.equal(await entry.locator(".actor").textContent(), "operator");
  const row = entry.locator('tr[data-field="progress"]');
  assert.equal(await row.locator("td.old").textContent(), String(goal.progress));
  assert.equal(await row.locator("td.new").textContent(), String(target));
  await screenshot(page, "audit");
  await page.context().close();
});

test("a stale edit is refused with a plain conflict message", async () => {
  const goals = await listAll("/v1/businessGoals", "businessGoals");
  const goal = goals[goals.length - 1];
  const page = await newPage();
  await signIn(page, "operator");
  const card = goalCard(page, goal.id);
  await card.getByRole("button", { name: "Edit" }).click();
  // Someone else saves first.
  await apiOk("admin", "PATCH", `/v1/businessGoals/${goal.id}?updateMask=notes`, { notes: "changed meanwhile" });
  await card.getByLabel("Title").fill(`${goal.title} (edited)`);
  await card.getByRole("button", { name: "Save" }).click();
  const alert = card.getByRole("alert");
  await alert.filter({ hasText: "412" }).waitFor();
  assert.match(await alert.textContent(), /Someone else changed this record/);
  const stored = await apiOk("admin", "GET", `/v1/businessGoals/${goal.id}`);
  assert.equal(stored.title, goal.title, "nothing was saved");
  await page.context().close();
});

test("a read-only token cannot save and is told why", async () => {
  const goals = await listAll("/v1/businessGoals", "businessGoals");
  const goal = goals[0];
  const page = await newPage();
  await signIn(page, "viewer");
  const card = goalCard(page, goal.id);
  await card.getByRole("button", { name: "Edit" }).click();
  await card.getByLabel("Progress (%)").fill(String(goal.progress === 5 ? 6 : 5));
  await card.getByRole("button", { name: "Save" }).click();
  const alert = card.getByRole("alert");
  await alert.filter({ hasText: "403" }).waitFor();
  assert.match(await alert.textContent(), /lacks the write scope/);
  const stored = await apiOk("admin", "GET", `/v1/businessGoals/${goal.id}`);
  assert.equal(stored.progress, goal.progress, "nothing was saved");
  assert.equal(stored.etag, goal.etag);
  await page.context().close();
});

test("a token without the secrets scope never receives a sensitive value", async () => {
  const all = await listAll("/v1/configurations", "configurations");
  const sensitive = all.filter((c) => c.isSensitive);
  assert.ok(sensitive.length >= 2, "the fixture has sensitive configurations");
  for (const config of sensitive) assert.ok(config.value.length >= 8, `admin sees ${config.key}`);

  const page = await newPage();
  const reads = [];
  page.on("response", (response) => {
    if (!response.url().includes("/v1/")) return;
    reads.push(response.text().then((body) => ({ url: response.url(), body }),
        (error) => ({ url: response.url(), body: "", error: error.message })));
  });
  await signIn(page, "operator");
  await openView(page, "configurations", "Configurations");
  await openView(page, "audit", "Audit log");
  await page.locator("#audit-table").selectOption("configurations");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.locator("#view .loading").waitFor({ state: "detached" });
  await openView(page, "configurations", "Configurations");
  const row = page.locator(`.row[data-key="${sensitive[0].key}"]`);
  assert.match(await row.textContent(), /needs the secrets scope/);
  assert.equal(await row.getByRole("button", { name: /Reveal/ }).count(), 0);

  const bodies = await Promise.all(reads);
  for (const { url, error } of bodies) assert.equal(error, undefined, `the body of ${url} was read`);
  assert.ok(bodies.some((b) => b.url.includes("/v1/configurations") && b.body.includes(sensitive[0].key)),
      "the configurations were fetched");
  for (const { url, body } of bodies) {
    for (const config of sensitive) {
      assert.ok(!body.includes(config.value), `${url} carried the value of ${config.key}`);
    }
  }
  const pageText = await page.locator("body").textContent();
  for (const config of sensitive) assert.ok(!pageText.includes(config.value));
  await page.context().close();

  // With the secrets scope: masked until revealed, one at a time.
  const keeper = await newPage();
  await signIn(keeper, "keeper");
  await openView(keeper, "configurations", "Configurations");
  const [first, second] = sensitive;
  const text = async () => keeper.locator("#view").textContent();
  assert.ok(!(await text()).includes(first.value), "masked until revealed");
  await keeper.getByRole("button", { name: `Reveal ${first.key}` }).click();
  await keeper.locator(`.row[data-key="${first.key}"] .revealed`).waitFor();
  // assert.ok, so that a failure never prints the secret into test.log.
  assert.ok(await keeper.locator(`.row[data-key="${first.key}"] .revealed`).textContent() === first.value,
      `the revealed text of ${first.key} is its value`);
  await keeper.getByRole("button", { name: `Reveal ${second.key}` }).click();
  await keeper.locator(`.row[data-key="${second.key}"] .revealed`).waitFor();
  assert.ok(!(await text()).includes(first.value), "revealing another hides the first");
  assert.equal(await keeper.locator(".revealed").count(), 1);
  await screenshot(keeper, "configurations");
  await keeper.context().close();
});

test("a configuration holding markup renders as text and runs nothing", async () => {
  const payload = '<img src=x onerror="window.__xssRan=1;fetch(\'/console/xss-ran\')">' +
      "<script>window.__xssRan=2</script><b>bold?</b>";
  await apiOk("admin", "PATCH", "/v1/configurations/xss_probe?allowMissing=true",
      { value: payload, category: "general", description: '<svg onload="window.__xssRan=3">' });
  const page = await newPage();
  await signIn(page, "operator");
  await openView(page, "configurations", "Configurations");
  const row = page.locator('.row[data-key="xss_probe"]');
  await row.waitFor();
  assert.equal(await row.locator('[data-field="value"]').textContent(), payload);
  assert.match(await row.textContent(), /<svg onload=/);
  await page.waitForTimeout(500);
  assert.equal(await page.locator("#view img, #view script, #view b, #view svg").count(), 0);
  assert.equal(await page.evaluate(() => window.__xssRan), undefined);
  assert.ok(!page.requests.some((url) => url.includes("xss-ran") || url.endsWith("/x")),
      `no request from the markup: ${page.requests.join(", ")}`);
  await openView(page, "audit", "Audit log");
  await page.locator('article.audit-entry[data-record="xss_probe"]').first().waitFor();
  assert.equal(await page.locator("#view img, #view script, #view svg").count(), 0);
  assert.equal(await page.evaluate(() => window.__xssRan), undefined);
  await page.context().close();
});

test("settings have editors that fit their types, and the JSON editor validates", async () => {
  const settings = await listAll("/v1/appSettings", "appSettings");
  const byType = (type) => settings.find((s) => s.type === type);
  const boolean = byType("BOOLEAN");
  const integer = byType("INTEGER");
  const json = byType("JSON");
  assert.ok(boolean && integer && json, "the fixture has boolean, integer and JSON settings");

  const page = await newPage();
  await signIn(page, "operator");
  await openView(page, "settings", "Settings");
  const row = (s) => page.locator(`form.setting[data-key="${s.key}"]`);
  const toggle = row(boolean).getByRole("switch");
  assert.equal(await toggle.isChecked(), boolean.value === "true");
  assert.equal(await row(integer).locator('input[type="number"]').inputValue(), integer.value);
  const editor = row(json).locator("textarea");
  assert.deepEqual(JSON.parse(await editor.inputValue()), JSON.parse(json.value));

  await editor.fill("{not json");
  await row(json).getByRole("alert").filter({ hasText: "Not valid JSON" }).waitFor();
  assert.equal(await editor.getAttribute("aria-invalid"), "true");
  assert.ok(await row(json).getByRole("button", { name: "Save" }).isDisabled());
  await editor.fill('{"ok": [1, 2]}');
  await row(json).getByRole("button", { name: "Save" }).click();
  await row(json).getByRole("status").filter({ hasText: "Saved." }).waitFor();
  assert.equal((await apiOk("admin", "GET", `/v1/appSettings/${json.key}`)).value, '{"ok":[1,2]}');

  await toggle.focus();
  await page.keyboard.press("Space");
  await row(boolean).getByRole("button", { name: "Save" }).click();
  await row(boolean).getByRole("status").filter({ hasText: "Saved." }).waitFor();
  assert.equal((await apiOk("admin", "GET", `/v1/appSettings/${boolean.key}`)).value,
      boolean.value === "true" ? "false" : "true");
  await screenshot(page, "settings");
  await page.context().close();
});

test("threads show live conversations, their messages and time until expiry", async () => {
  const key = "C0CONSOLE:1795000000.000100";
  await apiOk("admin", "PATCH", `/v1/threadContexts/${key}?allowMissing=true`,
      { messages: ["User: how are sales?", "OpsBrain: <b>3 deals</b> closed this week"] });
  const page = await newPage(kPhone);
  await signIn(page, "operator");
  await openView(page, "threads", "Threads");
  // Every channel's live threads show before any channel is named.
  await page.locator(`article.thread[data-thread="${key}"]`).waitFor();
  await page.getByLabel("Channel ID").fill("C0CONSOLE");
  await page.getByRole("button", { name: "Show threads" }).click();
  await page.getByText("1 live conversation in C0CONSOLE.").waitFor();
  const card = page.locator(`article.thread[data-thread="${key}"]`);
  await card.waitFor();
  assert.equal(await card.locator("p.small").first().textContent(), "channel C0CONSOLE");
  assert.deepEqual(await card.locator(".messages li").allTextContents(),
      ["User: how are sales?", "OpsBrain: <b>3 deals</b> closed this week"]);
  assert.match(await card.locator(".expiry").textContent(), /^expires in (23 h \d+ min|1 d 0 h)$/);
  await screenshot(page, "threads-phone");
  await page.context().close();
});

test("the metrics view draws a line chart with every point of each fixture metric", async () => {
  const since = new Date(Date.now() - 30 * 86400e3).toISOString();
  const metrics = await listAll(`/v1/performanceMetrics?startTime=${encodeURIComponent(since)}`,
      "performanceMetrics");
  const counts = new Map();
  for (const m of metrics) counts.set(m.name, (counts.get(m.name) || 0) + 1);
  assert.ok(counts.size >= 3, `the fixture has recent metrics (${[...counts.keys()]})`);

  const page = await newPage();
  await signIn(page, "operator");
  await openView(page, "metrics", "Metrics");
  await page.locator("#metrics-range").selectOption("30d");
  await page.getByRole("button", { name: "Show" }).click();
  await page.locator("#view .loading").waitFor({ state: "detached" });
  await page.locator("canvas[data-metric]").first().waitFor();
  const drawn = await page.evaluate(() => [...document.querySelectorAll("canvas[data-metric]")].map((canvas) => {
    const chart = window.Chart.getChart(canvas);
    const meta = chart.getDatasetMeta(0);
    // Pixels the chart painted in the plot area.
    const context = canvas.getContext("2d");
    const { left, top, right, bottom } = chart.chartArea;
    const pixels = context.getImageData(left, top, right - left, bottom - top).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return {
      name: canvas.dataset.metric,
      type: chart.config.type,
      points: meta.data.length,
      inside: meta.data.filter((p) => p.x >= left && p.x <= right && p.y >= top && p.y <= bottom).length,
      painted,
    };
  }));
  assert.deepEqual(drawn.map((d) => d.name).sort(), [...counts.keys()].sort());
  for (const chart of drawn) {
    assert.equal(chart.type, "line");
    assert.equal(chart.points, counts.get(chart.name), `${chart.name}: one point per stored metric`);
    assert.equal(chart.inside, chart.points, `${chart.name}: every point inside the plot`);
    assert.ok(chart.painted > 200, `${chart.name}: the canvas is painted (${chart.painted} pixels)`);
  }
  await screenshot(page, "metrics");
  await page.context().close();
});

test("no page broke the Content-Security-Policy or threw", () => {
  assert.deepEqual(cspViolations, []);
  assert.deepEqual(pageErrors, []);
});
