/**
 * A `fetch` for the Slack Web API client (`clientOptions.fetch`, @slack/web-api 8) that counts
 * each attempt by method and error. Bolt hands its client options to every WebClient it creates,
 * so listeners' clients are counted too. The body is only parsed again when it does not start
 * with `{"ok":true` (error answers are small).
 */
type Fetch = typeof globalThis.fetch;

/** The Web API method of a request URL: the last path segment (".../api/chat.postMessage"). */
export function methodOf(url: string): string {
  const path = url.split("?")[0] ?? "";
  return path.slice(path.lastIndexOf("/") + 1) || "other";
}

/** Slack's error code of an answer body, or undefined when it says ok. */
export function errorOf(text: string): string | undefined {
  if (/^\s*\{\s*"ok"\s*:\s*true\b/.test(text)) return undefined;
  try {
    const data = JSON.parse(text) as { ok?: unknown; error?: unknown };
    if (data.ok === true) return undefined;
    return typeof data.error === "string" ? data.error : "unknown_error";
  } catch {
    return "invalid_response";
  }
}

export function instrumentedFetch(record: (method: string, error: string | undefined) => void, base: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = methodOf(url);
    let res: Response;
    try {
      res = await base(input, init);
    } catch (err) {
      record(method, "request_error");
      throw err;
    }
    if (res.status !== 200) {
      record(method, res.status === 429 ? "ratelimited" : `http_${res.status}`);
      return res;
    }
    // The client reads the body with text(); count the answer when it does.
    const text = res.text.bind(res);
    let counted = false;
    res.text = async () => {
      const body = await text();
      if (!counted) {
        counted = true;
        record(method, errorOf(body));
      }
      return body;
    };
    return res;
  };
}
