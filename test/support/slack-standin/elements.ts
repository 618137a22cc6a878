/** The limits of Block Kit elements (buttons, selects, inputs...) and their options. */
import { type Checker, isObject, strMax, textObj } from "./check.js";
import type { JsonObject } from "./types.js";

type TextType = "plain_text" | "any";

function checkConfirm(c: Checker, p: string, conf: unknown): void {
  if (conf === undefined) return;
  if (!isObject(conf)) {
    c.err(p, "confirm must be an object");
    return;
  }
  textObj(c, `${p}/title`, conf.title, { max: 100, name: "confirm title", plain: true, required: true });
  textObj(c, `${p}/text`, conf.text, { max: 300, name: "confirm text", required: true });
  textObj(c, `${p}/confirm`, conf.confirm, { max: 30, name: "confirm button", plain: true, required: true });
  textObj(c, `${p}/deny`, conf.deny, { max: 30, name: "deny button", plain: true, required: true });
}

function checkOption(c: Checker, p: string, o: unknown, textType: TextType): void {
  if (!isObject(o)) {
    c.err(p, "option must be an object");
    return;
  }
  textObj(c, `${p}/text`, o.text, { max: 75, name: "option text", plain: textType === "plain_text", required: true });
  if (typeof o.value !== "string" || o.value.length === 0) c.err(`${p}/value`, "option value must be a non-empty string");
  else strMax(c, `${p}/value`, o.value, 75, "option value");
  textObj(c, `${p}/description`, o.description, { max: 75, name: "option description", plain: textType === "plain_text" });
  strMax(c, `${p}/url`, o.url, 3000, "option url");
}

export function checkOptionList(c: Checker, p: string, options: unknown, max: number, textType: TextType): void {
  if (!Array.isArray(options)) {
    c.err(p, "options must be an array");
    return;
  }
  if (options.length > max) c.err(p, `no more than ${max} items allowed (got ${options.length})`);
  options.forEach((o: unknown, i: number) => {
    checkOption(c, `${p}/${i}`, o, textType);
  });
}

export function checkOptionGroups(c: Checker, p: string, groups: unknown, max: number): void {
  if (!Array.isArray(groups)) {
    c.err(p, "option_groups must be an array");
    return;
  }
  if (groups.length > max) c.err(p, `no more than ${max} items allowed (got ${groups.length})`);
  groups.forEach((g: unknown, i: number) => {
    if (!isObject(g)) {
      c.err(`${p}/${i}`, "option group must be an object");
      return;
    }
    textObj(c, `${p}/${i}/label`, g.label, { max: 75, name: "option group label", plain: true, required: true });
    checkOptionList(c, `${p}/${i}/options`, g.options, 100, "plain_text");
  });
}

function allOptions(e: JsonObject): unknown[] {
  if (Array.isArray(e.options)) return e.options;
  if (Array.isArray(e.option_groups)) {
    return e.option_groups.flatMap((g: unknown) => (isObject(g) && Array.isArray(g.options) ? g.options : []));
  }
  return [];
}

function sameOption(a: unknown, b: unknown): boolean {
  return isObject(a) && isObject(b) && a.value === b.value && textOf(a.text) === textOf(b.text);
}

function textOf(t: unknown): unknown {
  return isObject(t) ? t.text : undefined;
}

function checkInitialOptions(c: Checker, p: string, e: JsonObject, textType: TextType): void {
  const opts = allOptions(e);
  const check = (path: string, o: unknown) => {
    checkOption(c, path, o, textType);
    if (opts.length && !opts.some((x) => sameOption(x, o))) c.err(path, "initial option must exactly match one of the options");
  };
  if (e.initial_option !== undefined) check(`${p}/initial_option`, e.initial_option);
  if (e.initial_options !== undefined) {
    if (!Array.isArray(e.initial_options)) c.err(`${p}/initial_options`, "initial_options must be an array");
    else
      e.initial_options.forEach((o: unknown, i: number) => {
        check(`${p}/initial_options/${i}`, o);
      });
  }
}

export function checkElement(c: Checker, p: string, e: unknown, actionIds: Set<string>): void {
  if (!isObject(e)) {
    c.err(p, "element must be an object");
    return;
  }
  if (e.action_id !== undefined) {
    strMax(c, `${p}/action_id`, e.action_id, 255, "action_id");
    if (actionIds.has(String(e.action_id))) c.err(`${p}/action_id`, `duplicate action_id ${JSON.stringify(e.action_id)} in one block`);
    actionIds.add(String(e.action_id));
  }
  textObj(c, `${p}/placeholder`, e.placeholder, { max: 150, name: "placeholder", plain: true });
  checkConfirm(c, `${p}/confirm`, e.confirm);
  switch (e.type) {
    case "button":
      textObj(c, `${p}/text`, e.text, { max: 75, name: "button text", plain: true, required: true });
      strMax(c, `${p}/value`, e.value, 2000, "button value");
      strMax(c, `${p}/url`, e.url, 3000, "button url");
      if (e.style !== undefined && e.style !== "primary" && e.style !== "danger") c.err(`${p}/style`, "style must be primary or danger");
      break;
    case "static_select":
    case "multi_static_select":
      if ((e.options === undefined) === (e.option_groups === undefined)) c.err(p, "exactly one of options or option_groups is required");
      if (e.options !== undefined) checkOptionList(c, `${p}/options`, e.options, 100, "plain_text");
      if (e.option_groups !== undefined) checkOptionGroups(c, `${p}/option_groups`, e.option_groups, 100);
      checkInitialOptions(c, p, e, "plain_text");
      break;
    case "external_select":
    case "multi_external_select":
      checkInitialOptions(c, p, e, "plain_text");
      break;
    case "overflow":
      if (!Array.isArray(e.options) || e.options.length < 1) c.err(`${p}/options`, "overflow needs 1 to 5 options");
      else checkOptionList(c, `${p}/options`, e.options, 5, "plain_text");
      break;
    case "radio_buttons":
    case "checkboxes":
      if (!Array.isArray(e.options) || e.options.length < 1) c.err(`${p}/options`, `${e.type} needs 1 to 10 options`);
      else checkOptionList(c, `${p}/options`, e.options, 10, "any");
      checkInitialOptions(c, p, e, "any");
      break;
    case "plain_text_input":
      if (e.max_length !== undefined && (typeof e.max_length !== "number" || e.max_length > 3000 || e.max_length < 1)) {
        c.err(`${p}/max_length`, "max_length must be a number from 1 to 3000");
      }
      if (e.min_length !== undefined && (typeof e.min_length !== "number" || e.min_length > 3000 || e.min_length < 0)) {
        c.err(`${p}/min_length`, "min_length must be a number from 0 to 3000");
      }
      if (typeof e.min_length === "number" && typeof e.max_length === "number" && e.min_length > e.max_length) {
        c.err(`${p}/min_length`, "min_length must not exceed max_length");
      }
      strMax(c, `${p}/initial_value`, e.initial_value, typeof e.max_length === "number" ? e.max_length : 3000, "initial_value");
      break;
    case "datepicker":
      if (e.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(e.initial_date)))
        c.err(`${p}/initial_date`, "initial_date must be YYYY-MM-DD");
      break;
    default:
      break;
  }
}
