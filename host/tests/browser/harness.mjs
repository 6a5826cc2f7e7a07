// What the browser scripts share: Debian's Chromium launched headless with the flags this
// machine needs, pages watched for dialogs (an executed `alert` payload), console errors (CSP
// violations included) and uncaught exceptions, named checks, and one exit status for all.
import { chromium } from "playwright-core";

export async function startRun({ timeout }) {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  context.setDefaultTimeout(timeout);
  const problems = [];
  let passed = 0;

  async function newPage() {
    const page = await context.newPage();
    page.on("dialog", async (dialog) => {
      problems.push(`dialog (${dialog.type()}) on ${page.url()}: ${dialog.message()}`);
      await dialog.dismiss();
    });
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
    return page;
  }

  async function check(name, body) {
    const started = Date.now();
    try {
      await body();
      passed += 1;
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      console.log(`FAIL ${name}: ${error.stack || error}`);
      problems.push(`${name}: ${error.message}`);
    }
  }

  /** Closes the browser; exits 1 when any check or watched page reported a problem. */
  async function finish(label) {
    await browser.close();
    if (problems.length > 0) {
      console.log(`\n${problems.length} problem(s):\n- ` + problems.join("\n- "));
      process.exit(1);
    }
    console.log(`\n${label}: ${passed} checks passed`);
  }

  return { newPage, check, finish };
}
