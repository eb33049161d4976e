// Opens raftlab's dashboard, crashes the leader from the page and waits
// for the page to show a new leader. Saves a screenshot.
// Usage: node raftlab.mjs URL SCREENSHOT_PATH
// Exits non-zero, with the reason, on any failure.
import { chromium } from "playwright-core";

const [url, shot] = process.argv.slice(2);
const WAIT = 15_000; // ms for anything we wait for

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);

  // The stream is live and a leader is shown.
  await page.waitForFunction(() => document.getElementById("conn").textContent === "live", null, { timeout: WAIT });
  await page.waitForFunction(() => document.getElementById("leader").dataset.leader !== "" &&
    document.getElementById("leader").dataset.leader !== undefined, null, { timeout: WAIT });
  const first = await page.$eval("#leader", (e) => e.dataset.leader);
  console.log(`page shows node ${first} as leader`);

  // Write something so the logs have entries to draw.
  await page.fill("#key", "x");
  await page.fill("#value", "1");
  await page.click("#put");
  await page.waitForFunction(() => document.getElementById("put-out").textContent.startsWith("committed"), null, { timeout: WAIT });

  // Crash the leader with its own button, and wait for a new one.
  await page.click(`#node-${first} button.crash`);
  await page.waitForFunction((old) => {
    const l = document.getElementById("leader").dataset.leader;
    return l !== "" && l !== undefined && l !== old;
  }, first, { timeout: WAIT });
  const second = await page.$eval("#leader", (e) => e.dataset.leader);
  console.log(`after crashing node ${first}, the page shows node ${second} as leader`);
  const role = await page.$eval(`#node-${first} .role`, (e) => e.textContent);
  if (role !== "down") throw new Error(`node ${first} shows role ${role}, want down`);
  await page.waitForFunction(() => [...document.querySelectorAll("#lines li")].some((li) => li.textContent.includes("CRASHED")), null, { timeout: WAIT });

  // Restart it and put once more, so the screenshot shows a full cluster.
  await page.click(`#node-${first} button.restart`);
  await page.fill("#value", "2");
  await page.click("#put");
  await page.waitForFunction(() => document.getElementById("put-out").textContent.includes("revision 2"), null, { timeout: WAIT });
  await page.waitForFunction((id) => document.querySelector(`#node-${id} .role`).textContent === "follower", first, { timeout: WAIT });
  await page.screenshot({ path: shot, fullPage: true });
  if (errors.length) throw new Error(`errors on the page:\n${errors.join("\n")}`);
  console.log(`screenshot: ${shot}`);
} finally {
  await browser.close();
}
