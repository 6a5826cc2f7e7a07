// The integration plugins' tabs in headless Chromium (Debian's `chromium`), driven by
// playwright-core. Started by host/tests/portal_browser_integrations.rs against a live
// Portico whose github-actions and kubernetes plugins talk to loopback fakes:
//   node integrations.mjs <base url> <screenshot dir>
// Every page is watched for dialogs, console errors (CSP violations included) and uncaught
// exceptions; any of them fails the run.
import { startRun } from "./harness.mjs";
import assert from "node:assert/strict";
import path from "node:path";

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error("usage: node integrations.mjs <base url> <screenshot dir>");
  process.exit(2);
}

const { newPage, check, finish } = await startRun({ timeout: 20000 });
const page = await newPage();

const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
const entity = base + "/catalog/default/component/checkout";

/// Opens the entity page and switches to the tab whose `data-tab` starts with `id`.
async function openTab(id) {
  await page.goto(entity);
  await page.locator("h1.entity-title").waitFor();
  const tab = page.locator(`.tabs [data-tab^="${id}"]`);
  assert.equal(await tab.count(), 1, `one ${id} tab`);
  await tab.click();
  await page.locator(`.tabs [data-tab^="${id}"].is-active`).waitFor();
}

/// The texts of the plugin view's table rows, cells joined by " | ".
async function rows(scope) {
  return page.locator(`${scope} tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim().replace(/\s+/g, " ")).join(" | ")));
}

await check("github-actions tab: workflow runs with their status, paged", async () => {
  await openTab("plugin:github-actions:");
  await page.locator(".plugin-tab .plugin-view").waitFor();
  assert.equal(await page.locator(".plugin-tab .plugin-error").count(), 0, await page.locator(".plugin-tab").textContent());
  const runs = await rows(".plugin-tab");
  const build = runs.find((r) => r.includes("Build #642"));
  assert.ok(build && build.includes("main") && /failure/i.test(build), `Build #642 failed on main: ${runs.join("\n")}`);
  const running = runs.find((r) => r.includes("Build #641"));
  assert.ok(running && running.includes("feature/login") && /in progress/i.test(running), `Build #641 in progress: ${runs.join("\n")}`);
  assert.ok(!runs.some((r) => r.includes("Lint #640")), "the third run is on page 2");
  // Statuses are status chips, not bare text.
  const states = await page.locator(".plugin-tab .status").allTextContents();
  assert.ok(states.some((s) => /failure/i.test(s)) && states.some((s) => /in progress/i.test(s)), states.join(","));
  await shot("github-actions-tab");
  // The next page comes from GitHub's `Link` header.
  await page.locator(".plugin-tab a", { hasText: /Older/ }).click();
  await page.locator(".plugin-tab tbody tr", { hasText: "Lint #640" }).waitFor();
  const second = await rows(".plugin-tab");
  assert.ok(second.some((r) => r.includes("Lint #640") && /success/i.test(r)), second.join("\n"));
});

await check("github-actions tab: a run's jobs and steps", async () => {
  await openTab("plugin:github-actions:");
  await page.locator(".plugin-tab a", { hasText: "Build #642" }).first().click();
  await page.locator(".plugin-tab", { hasText: "Run cargo test" }).waitFor();
  assert.equal((await page.locator(".plugin-tab .view-title").textContent()).trim(), "Build #642 — octo-org/checkout");
  const all = await rows(".plugin-tab");
  assert.ok(all.some((r) => r.startsWith("test |") && /failure/.test(r) && r.includes("GitHub Actions 2")), `job test: ${all.join("\n")}`);
  assert.ok(all.some((r) => r.startsWith("1 | Set up job") && /success/.test(r)), `step 1: ${all.join("\n")}`);
  assert.ok(all.some((r) => r.startsWith("2 | Run cargo test") && /failure/.test(r)), `step 2: ${all.join("\n")}`);
  await shot("github-actions-run");
});

await check("kubernetes tab: cluster summary and pods", async () => {
  await openTab("plugin:kubernetes:");
  await page.locator(".plugin-tab .plugin-view").waitFor();
  const text = await page.locator(".plugin-tab").textContent();
  const all = await rows(".plugin-tab");
  const prod = all.find((r) => r.startsWith("prod"));
  assert.ok(prod, `a summary row for cluster prod: ${all.join("\n")}`);
  assert.ok(/degraded/.test(prod) && prod.includes("2 / 3") && prod.includes("CrashLoopBackOff: 1 pod (checkout-6b8d9c7f4b-crash)"), `prod: ${prod}`);
  for (const [name, state] of [["checkout-6b8d9c7f4b-4xk2p", "Running"], ["checkout-6b8d9c7f4b-9qw7n", "Running"], ["checkout-6b8d9c7f4b-crash", "CrashLoopBackOff"]]) {
    const row = all.find((r) => r.startsWith(name));
    assert.ok(row && row.includes(`| ${state} |`) && row.includes("ReplicaSet checkout-6b8d9c7f4b"), `pod ${name} ${state}: ${row}`);
  }
  assert.ok(text.includes("registry.example.com/checkout:2.1.0"), text.slice(0, 800));
  await shot("kubernetes-tab");
});

await check("docs tab: the site's nav and pages", async () => {
  await openTab("docs");
  await page.locator(".docs-page h1", { hasText: "Checkout service" }).waitFor();
  const nav = await page.locator(".docs-nav a").allTextContents();
  assert.deepEqual(nav.map((t) => t.trim()), ["Home", "Runbook"]);
  assert.equal((await page.locator(".docs-nav a.is-current").textContent()).trim(), "Home");
  assert.ok((await page.locator(".docs-toc").textContent()).includes("Running locally"));
  await shot("docs-tab");
  await page.locator(".docs-nav a", { hasText: "Runbook" }).click();
  await page.waitForURL(/\/docs\/runbook$/);
  await page.locator(".docs-page h1", { hasText: "Runbook" }).waitFor();
  assert.ok((await page.locator(".docs-page table").textContent()).includes("Fail over to the second provider"));
  assert.equal((await page.locator(".docs-nav a.is-current").textContent()).trim(), "Runbook");
  await shot("docs-runbook");
});

await finish("integrations");
