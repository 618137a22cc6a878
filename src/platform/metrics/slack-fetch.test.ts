import { describe, expect, it } from "vitest";
import { bounded } from "./registry.js";
import { errorOf, instrumentedFetch, methodOf } from "./slack-fetch.js";

describe("Web API call counting", () => {
  it("reads the method from the URL and Slack's error from the body", () => {
    expect(methodOf("https://slack.com/api/chat.postMessage")).toBe("chat.postMessage");
    expect(methodOf("http://127.0.0.1:9/api/views.open?x=1")).toBe("views.open");
    expect(errorOf('{"ok":true,"channel":"C1"}')).toBeUndefined();
    expect(errorOf('{"channel":"C1","ok":true}')).toBeUndefined();
    expect(errorOf('{"ok":false,"error":"channel_not_found"}')).toBe("channel_not_found");
    expect(errorOf("<html>")).toBe("invalid_response");
  });

  it("counts each attempt once, with its outcome", async () => {
    const seen: Array<[string, string | undefined]> = [];
    const answers = [
      new Response('{"ok":false,"error":"not_in_channel"}', { status: 200 }),
      new Response("", { status: 429 }),
      new Response('{"ok":true}', { status: 200 }),
    ];
    const f = instrumentedFetch((m, e) => seen.push([m, e]), (async () => answers.shift()!) as typeof fetch);
    const r1 = await f("https://slack.com/api/chat.postMessage", { method: "POST" });
    await r1.text();
    await f("https://slack.com/api/chat.postMessage");
    await (await f("https://slack.com/api/auth.test")).text();
    const broken = instrumentedFetch((m, e) => seen.push([m, e]), (async () =>
      Promise.reject(new TypeError("fetch failed"))) as typeof fetch);
    await expect(broken("https://slack.com/api/auth.test")).rejects.toThrow("fetch failed");
    expect(seen).toEqual([
      ["chat.postMessage", "not_in_channel"],
      ["chat.postMessage", "ratelimited"],
      ["auth.test", undefined],
      ["auth.test", "request_error"],
    ]);
  });

  it("keeps label values to a pattern and a bounded set", () => {
    const label = bounded(/^[a-z_]+$/, 2);
    expect(label("a")).toBe("a");
    expect(label("Bad Value")).toBe("other");
    expect(label("b")).toBe("b");
    expect(label("c")).toBe("other");
    expect(label("a")).toBe("a");
  });
});
