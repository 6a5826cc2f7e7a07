// End-to-end tests of the portal in headless Chromium (Debian's `chromium`), driven by
// playwright-core. Started by host/tests/portal_browser.rs against a live Portico:
//   node e2e.mjs <base url> <screenshot dir> <plugin file to install> <themed portal url>
// Every page is watched for dialogs (an executed `alert` payload), console errors (CSP
// violations included) and uncaught exceptions; any of them fails the run.
import { startRun } from "./harness.mjs";
import assert from "node:assert/strict";
import path from "node:path";

const [base, shots, pluginFile, themedBase] = process.argv.slice(2);
if (!base || !shots || !pluginFile || !themedBase) {
  console.error("usage: node e2e.mjs <base url> <screenshot dir> <plugin file> <themed url>");
  process.exit(2);
}

const { newPage, check, finish } = await startRun({ timeout: 15000 });

const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

/// Nothing a payload could have added is in the DOM.
async function assertInert(page, where) {
  const found = await page.evaluate(() => ({
    scripts: [...document.querySelectorAll("script")].filter((s) => !s.src).length,
    foreignScripts: [...document.querySelectorAll("script[src]")].filter((s) => !s.src.startsWith(location.origin + "/static/")).length,
    images: [...document.querySelectorAll("main img")].length,
    handlers: [...document.querySelectorAll("*")].filter((el) => [...el.attributes].some((a) => a.name.startsWith("on"))).length,
    // getAttribute: SVG links have no string `href` property.
    badLinks: [...document.querySelectorAll("a[href]")]
      .filter((a) => !["http:", "https:", "mailto:"].includes(new URL(a.getAttribute("href"), location.href).protocol))
      .map((a) => a.getAttribute("href")),
    // (an empty `style=""` is what browser automation leaves on inputs it touched)
    styles: [...document.querySelectorAll("[style]")].filter((el) => el.getAttribute("style").trim() !== "").map((el) => el.outerHTML.slice(0, 200)),
  }));
  assert.deepEqual(found, { scripts: 0, foreignScripts: 0, images: 0, handlers: 0, badLinks: [], styles: [] }, where);
}

const page = await newPage();

await check("home page: search box, recent changes, `/` focuses search", async () => {
  await page.goto(base + "/");
  await page.getByRole("heading", { name: /Find anything in/ }).waitFor();
  assert.ok(await page.locator("[data-recent] .list-row").count() > 0, "recently changed entities");
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  await page.keyboard.press("/");
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute("type"));
  assert.equal(focused, "search");
  await shot(page, "home");
});

await check("catalog: browse, filter by a facet, search", async () => {
  await page.getByRole("link", { name: "Catalog", exact: true }).click();
  await page.locator("[data-catalog-table]").waitFor();
  await shot(page, "catalog");
  const all = await page.locator(".entity-link").count();
  assert.ok(all > 10, `${all} rows`);
  await page.locator("[data-facet=kind] .facet-value", { hasText: /^Component/ }).first().click();
  await page.waitForURL(/kind=Component/);
  const kinds = await page.locator("[data-catalog-table] tbody .kind-pill").allTextContents();
  assert.ok(kinds.length > 0 && kinds.every((k) => k === "Component"), kinds.join(","));
  const search = page.locator("main input[type=search]");
  await search.fill("artist");
  await search.press("Enter");
  await page.waitForURL(/q=artist/);
  assert.ok(page.url().includes("kind=Component"), "the facet stays selected: " + page.url());
  await page.locator(".entity-link", { hasText: "artist-lookup" }).waitFor();
  await shot(page, "catalog-filtered");
});

await check("entity page: header, relations graph, tabs", async () => {
  await page.locator(".entity-link", { hasText: "artist-lookup" }).click();
  await page.waitForURL(/\/catalog\/default\/component\/artist-lookup$/);
  await page.locator("h1.entity-title").waitFor();
  assert.equal(await page.locator("h1.entity-title").textContent(), "artist-lookup");
  assert.ok(await page.locator("svg.graph a").count() > 0, "graph nodes link to entities");
  await shot(page, "entity");
  await page.locator(".tabs").getByRole("link", { name: "YAML", exact: true }).click();
  await page.locator("#entity-yaml .tok-key").first().waitFor();
  await page.locator(".tabs").getByRole("link", { name: "History", exact: true }).click();
  await page.locator(".timeline-item").first().waitFor();
});

await check("plugin tab: the api-docs view loads into its tab", async () => {
  await page.goto(base + "/catalog/default/api/petstore");
  const tab = page.locator(".tab", { hasText: /^API/ });
  await tab.click();
  await page.waitForURL(/\/views\/api-docs\//);
  await page.locator(".plugin-tab .plugin-view").waitFor();
  const text = await page.locator(".plugin-tab").textContent();
  assert.ok(text.includes("/pets"), text.slice(0, 400));
  await shot(page, "api-docs-tab");
  await page.locator(".tabs").getByRole("link", { name: "Definition", exact: true }).click();
  await page.locator("pre.code .tok-key").first().waitFor();
  await shot(page, "api-definition");
});

await check("dark mode toggle", async () => {
  await page.goto(base + "/catalog/default/component/artist-lookup");
  await page.locator("[data-theme-toggle]").click();
  const theme = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
  assert.ok(theme === "dark" || theme === "light");
  if (theme !== "dark") await page.locator("[data-theme-toggle]").click();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(11, 13, 18)");
  await shot(page, "entity-dark");
  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.getAttribute("data-theme")), "dark", "the choice is kept");
  await page.locator("[data-theme-toggle]").click();
});

await check("hostile entity and plugin payloads execute nothing", async () => {
  await page.goto(base + "/catalog/default/component/hostile-service");
  const title = await page.locator("h1.entity-title").textContent();
  assert.equal(title, "Title <script>alert('entity')</script>");
  const description = await page.locator(".prose").first().textContent();
  assert.ok(description.includes("<img src=x onerror=alert('d')>"), description);
  await assertInert(page, "entity page");
  await page.locator(".tab", { hasText: "Hostile payloads" }).click();
  await page.locator(".plugin-tab .plugin-view").waitFor();
  const viewText = await page.locator(".plugin-tab").textContent();
  assert.ok(viewText.includes("<script>alert('xss-script')</script>"), "payloads shown as text");
  await assertInert(page, "payload view");
  await shot(page, "xss-payloads");
  // Clicking a view link loads the next state in place, still inert.
  await page.locator(".plugin-tab [data-view-link]").first().click();
  await page.waitForURL(/q=%3Cscript/);
  await page.locator(".plugin-tab .plugin-view").waitFor();
  await assertInert(page, "payload view after a view link");
});

await check("a plugin that never answers shows an error card in its own tab", async () => {
  await page.goto(base + "/catalog/default/component/hostile-service/views/test-hostile/loop");
  await page.locator("h1.entity-title").waitFor();
  const card = page.locator(".plugin-tab .plugin-error");
  await card.waitFor();
  assert.ok((await card.textContent()).includes("took too long"));
  await shot(page, "plugin-deadline");
});

await check("admin: install a plugin by upload, approving its capabilities", async () => {
  await page.goto(base + "/admin/plugins");
  await shot(page, "admin-plugins");
  await page.locator("input[type=file][name=file]").setInputFiles(pluginFile);
  await page.getByRole("button", { name: "Upload and review" }).click();
  await page.waitForURL(/\/admin\/plugins\/install\//);
  await page.getByRole("heading", { name: /Install Test echo/ }).waitFor();
  await shot(page, "admin-approve");
  await page.getByRole("button", { name: "Approve and install" }).click();
  await page.waitForURL(/notice=installed/);
  assert.equal(await page.locator("[data-notice]").textContent(), "Installed test-echo.");
  await page.locator("[data-plugin-id=test-echo]").waitFor();
  // Its card now shows on entity pages.
  await page.goto(base + "/catalog/default/component/artist-lookup");
  await page.locator(".plugin-card .plugin-view", { hasText: "echo 0.1.0 artist-lookup" }).waitFor();
});

await check("organization theme and template override", async () => {
  const themed = await newPage();
  await themed.goto(themedBase + "/");
  const accent = await themed.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--accent").trim());
  assert.equal(accent, "#dc2626");
  assert.ok((await themed.locator("footer").textContent()).includes("Acme internal portal"));
  assert.equal(await themed.locator(".brand-name").textContent(), "Acme Portal");
  await shot(themed, "themed-home");
  await themed.goto(themedBase + "/catalog");
  await themed.locator("[data-catalog-table]").waitFor();
  await themed.close();
});

await finish("e2e");
