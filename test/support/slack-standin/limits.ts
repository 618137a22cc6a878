/**
 * The Block Kit and Web API limits the stand-in enforces (the ones the product is likely to hit,
 * see docs/decisions/0003-slack-standin.md). Each check pushes a message in Slack's own format
 * (`[ERROR] ... [json-pointer:/view/blocks/0]`) to a Checker.
 */
import { type Checker, isObject, strMax, textObj } from "./check.js";
import { checkElement, checkOptionGroups, checkOptionList } from "./elements.js";
import type { JsonObject } from "./types.js";

/** Error codes whose messages are also recorded as violations. */
export const VALIDATION_ERRORS = new Set(["invalid_arguments", "invalid_blocks", "msg_too_long", "msg_blocks_too_long", "view_too_large"]);

const KNOWN_BLOCKS = new Set([
  "section",
  "divider",
  "image",
  "actions",
  "context",
  "input",
  "header",
  "rich_text",
  "file",
  "video",
  "markdown",
  "call",
  "table",
]);

type Surface = "modal" | "home" | "message";

/** Checks a view for views.open/push/update/publish or a view_submission answer. True when it is an object of the right type. */
export function checkView(c: Checker, path: string, view: unknown, surface: "modal" | "home"): view is JsonObject {
  if (!isObject(view)) {
    c.err(path, "missing required field: view");
    return false;
  }
  if (view.type !== surface) {
    c.err(`${path}/type`, `view type must be ${surface} here (got ${JSON.stringify(view.type)})`);
    return false;
  }
  const blocks = view.blocks;
  if (!Array.isArray(blocks)) {
    c.err(`${path}/blocks`, "missing required field: blocks");
  } else {
    checkBlocks(c, `${path}/blocks`, blocks, surface, 100);
  }
  if (surface === "modal") {
    textObj(c, `${path}/title`, view.title, { max: 24, name: "title", plain: true, required: true });
    textObj(c, `${path}/submit`, view.submit, { max: 24, name: "submit", plain: true });
    textObj(c, `${path}/close`, view.close, { max: 24, name: "close", plain: true });
    if (Array.isArray(blocks) && blocks.some((b) => isObject(b) && b.type === "input") && !view.submit) {
      c.err(`${path}/submit`, "submit is required when an input block is within the blocks array");
    }
  }
  strMax(c, `${path}/private_metadata`, view.private_metadata, 3000, "private_metadata");
  strMax(c, `${path}/callback_id`, view.callback_id, 255, "callback_id");
  strMax(c, `${path}/external_id`, view.external_id, 255, "external_id");
  const size = JSON.stringify(view).length;
  if (size > 250_000) c.err(path, `view_too_large: ${size} bytes (max 250 kB)`);
  return true;
}

/** Checks a message (chat.*, response_url). Returns the Slack error code to answer with when the problem is not invalid_blocks. */
export function checkMessage(c: Checker, args: JsonObject): string | undefined {
  let code: string | undefined;
  if (args.text !== undefined && typeof args.text !== "string") c.err("/text", "text must be a string");
  if (typeof args.text === "string" && args.text.length > 40000) {
    c.err("/text", `msg_too_long: text must be at most 40000 characters (got ${args.text.length})`);
    code = "msg_too_long";
  }
  if (args.blocks !== undefined) {
    if (!Array.isArray(args.blocks)) c.err("/blocks", "blocks must be an array");
    else {
      checkBlocks(c, "/blocks", args.blocks, "message", 50);
      const total = countText(args.blocks);
      if (total > 12000) {
        c.err("/blocks", `msg_blocks_too_long: ${total} characters of text in blocks (max 12000)`);
        code = "msg_blocks_too_long";
      }
    }
  }
  if (args.attachments !== undefined) {
    if (!Array.isArray(args.attachments)) c.err("/attachments", "attachments must be an array");
    else {
      if (args.attachments.length > 100) c.err("/attachments", "no more than 100 attachments allowed");
      args.attachments.forEach((a: unknown, i: number) => {
        if (isObject(a) && Array.isArray(a.blocks)) checkBlocks(c, `/attachments/${i}/blocks`, a.blocks, "message", 50);
      });
    }
  }
  return code;
}

/** Checks an answer to block_suggestion (options / option_groups). */
export function checkOptionsResponse(c: Checker, b: unknown): void {
  if (!isObject(b)) c.err("", "options response must be a JSON object");
  else if (b.options !== undefined && b.option_groups !== undefined) c.err("", "only one of options or option_groups");
  else if (b.option_groups !== undefined) checkOptionGroups(c, "/option_groups", b.option_groups, 100);
  else checkOptionList(c, "/options", b.options ?? [], 100, "plain_text");
}

function countText(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countText(x), 0);
  if (!isObject(v)) return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (k === "text" && typeof x === "string") n += x.length;
    else n += countText(x);
  }
  return n;
}

function checkBlocks(c: Checker, path: string, blocks: unknown[], surface: Surface, max: number): void {
  if (blocks.length > max) c.err(path, `no more than ${max} items allowed (got ${blocks.length})`);
  blocks.forEach((b, i) => {
    checkBlock(c, `${path}/${i}`, b, surface);
  });
}

function checkBlock(c: Checker, p: string, b: unknown, surface: Surface): void {
  if (!isObject(b)) {
    c.err(p, "block must be an object");
    return;
  }
  if (typeof b.type !== "string" || !KNOWN_BLOCKS.has(b.type)) {
    c.err(`${p}/type`, `unknown block type ${JSON.stringify(b.type)}`);
    return;
  }
  if (b.block_id !== undefined) {
    strMax(c, `${p}/block_id`, b.block_id, 255, "block_id");
    if (c.blockIds.has(String(b.block_id))) c.err(`${p}/block_id`, `duplicate block_id ${JSON.stringify(b.block_id)}`);
    c.blockIds.add(String(b.block_id));
  }
  const actionIds = new Set<string>();
  const el = (path: string, e: unknown) => checkElement(c, path, e, actionIds);
  switch (b.type) {
    case "section":
      if (b.text === undefined && b.fields === undefined) c.err(p, "section needs text or fields");
      textObj(c, `${p}/text`, b.text, { max: 3000, name: "section text" });
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields)) c.err(`${p}/fields`, "fields must be an array");
        else {
          if (b.fields.length > 10) c.err(`${p}/fields`, `no more than 10 items allowed (got ${b.fields.length})`);
          b.fields.forEach((f: unknown, i: number) => {
            textObj(c, `${p}/fields/${i}`, f, { max: 2000, name: "field", required: true });
          });
        }
      }
      if (b.accessory !== undefined) el(`${p}/accessory`, b.accessory);
      break;
    case "header":
      textObj(c, `${p}/text`, b.text, { max: 150, name: "header text", plain: true, required: true });
      break;
    case "actions":
      if (!Array.isArray(b.elements) || b.elements.length === 0) c.err(`${p}/elements`, "actions block needs 1 to 25 elements");
      else {
        if (b.elements.length > 25) c.err(`${p}/elements`, `no more than 25 items allowed (got ${b.elements.length})`);
        b.elements.forEach((e: unknown, i: number) => {
          el(`${p}/elements/${i}`, e);
        });
      }
      break;
    case "context":
      if (!Array.isArray(b.elements) || b.elements.length === 0) c.err(`${p}/elements`, "context block needs 1 to 10 elements");
      else {
        if (b.elements.length > 10) c.err(`${p}/elements`, `no more than 10 items allowed (got ${b.elements.length})`);
        b.elements.forEach((e: unknown, i: number) => {
          if (isObject(e) && e.type !== "image") textObj(c, `${p}/elements/${i}`, e, { max: 3000, name: "context text" });
        });
      }
      break;
    case "input":
      if (surface === "message") c.err(p, "input blocks are only allowed in modals and the Home tab, not in messages");
      textObj(c, `${p}/label`, b.label, { max: 2000, name: "label", plain: true, required: true });
      textObj(c, `${p}/hint`, b.hint, { max: 2000, name: "hint", plain: true });
      if (!isObject(b.element)) c.err(`${p}/element`, "missing required field: element");
      else el(`${p}/element`, b.element);
      break;
    case "image":
      if (!b.image_url && !b.slack_file) c.err(p, "image needs image_url or slack_file");
      strMax(c, `${p}/alt_text`, b.alt_text, 2000, "alt_text");
      if (!b.alt_text) c.err(`${p}/alt_text`, "missing required field: alt_text");
      textObj(c, `${p}/title`, b.title, { max: 2000, name: "title", plain: true });
      break;
    case "markdown":
      strMax(c, `${p}/text`, b.text, 12000, "markdown text");
      break;
    default:
      break;
  }
}
