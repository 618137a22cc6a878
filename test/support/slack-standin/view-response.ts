/** What Slack does with the app's answer to a view_submission (response_action). */
import { Checker, isObject } from "./check.js";
import { checkView } from "./limits.js";
import { MAX_VIEW_STACK, type ViewResponseOutcome } from "./types.js";
import type { ViewStore } from "./views.js";

/**
 * Applies the ack of a `view_submission` of `viewId`: empty / `{}` -> close that view; `clear` ->
 * close the stack; `update` / `push` -> validate and apply the view; `errors` -> leave open (error
 * keys must be input block ids of the view). An invalid answer is "rejected" and changes nothing.
 */
export function answerViewSubmission(store: ViewStore, viewId: string, body: unknown): ViewResponseOutcome {
  const reject = (messages: string[]): ViewResponseOutcome => ({ action: "rejected", viewId, messages });
  if (!store.isOpen(viewId)) return reject([`view ${viewId} is not open`]);
  if (body === undefined || body === null || body === "" || (isObject(body) && Object.keys(body).length === 0)) {
    return { action: "closed", viewIds: store.closeView(viewId) };
  }
  if (!isObject(body)) return reject([`a view_submission must be answered with JSON or nothing, got ${JSON.stringify(body)}`]);
  switch (body.response_action) {
    case "clear":
      return { action: "closed", viewIds: store.closeView(viewId, { clearStack: true }) };
    case "update": {
      const c = new Checker();
      if (!checkView(c, "/view", body.view, "modal") || c.messages.length) return reject(c.messages);
      store.replace(viewId, body.view);
      return { action: "updated", viewId };
    }
    case "push": {
      const c = new Checker();
      const view = checkView(c, "/view", body.view, "modal") ? body.view : undefined;
      if (store.stackSize(viewId) >= MAX_VIEW_STACK) c.messages.push("push_limit_reached");
      if (!view || c.messages.length) return reject(c.messages);
      return { action: "pushed", viewId: store.pushView(store.rootOf(viewId) ?? viewId, view) };
    }
    case "errors": {
      const errors = body.errors;
      if (!isObject(errors) || Object.keys(errors).length === 0) return reject(["response_action errors needs a non-empty errors object"]);
      const inputIds = store.inputBlockIds(viewId);
      const bad = Object.keys(errors).filter((k) => !inputIds.has(k));
      if (bad.length) {
        return reject([
          `errors refer to block_ids that are not input blocks of view ${viewId}: ${bad.join(", ")} (input blocks: ${[...inputIds].join(", ")})`,
        ]);
      }
      const tooLong = Object.entries(errors).filter(([, v]) => typeof v !== "string" || v.length > 2000);
      if (tooLong.length)
        return reject([`error messages must be strings of at most 2000 characters: ${tooLong.map(([k]) => k).join(", ")}`]);
      return { action: "errors", viewId, errors: errors as Record<string, string> };
    }
    default:
      return reject([`unknown response_action ${JSON.stringify(body.response_action)} (send an empty body to close the modal)`]);
  }
}
