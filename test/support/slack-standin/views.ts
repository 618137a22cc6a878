/** views.open / push / update / publish: modal stacks, the Home tab, trigger ids. */
import { Checker, invalidArguments, isObject } from "./check.js";
import { checkView } from "./limits.js";
import { MAX_VIEW_STACK, TRIGGER_TTL_MS, type ApiAnswer, type JsonObject, type StandInContext, type StoredView } from "./types.js";
import { hex, normalizeBlocks } from "./wire.js";

interface TriggerEntry {
  issuedAt: number;
  used: boolean;
  viewId?: string;
}

interface ViewMeta {
  kind: "modal" | "home";
  open: boolean;
  rootId: string;
  userId?: string;
}

export class ViewStore {
  /** Current (last known) view per view id, as Slack would return it. Closed views stay here; see isOpen(). */
  readonly views = new Map<string, StoredView>();
  private readonly triggers = new Map<string, TriggerEntry>();
  private readonly meta = new Map<string, ViewMeta>();
  /** root view id -> open view ids, bottom first. */
  private readonly stacks = new Map<string, string[]>();
  private readonly externalIds = new Map<string, string>();
  private readonly homeViews = new Map<string, string>();
  private lastOpenedId: string | undefined;
  private lastStackRoot: string | undefined;

  constructor(private readonly ctx: StandInContext) {}

  /** A trigger id valid for 3 s and one use. `viewId`: the view the interaction happened in (for views.push). */
  issueTriggerId(viewId?: string): string {
    const now = this.ctx.now();
    const id = `${this.ctx.nextSeq()}${Math.floor(now / 1000)}.${this.ctx.teamId.replace(/\D/g, "") || "1"}.${hex(16)}`;
    this.triggers.set(id, { issuedAt: now, used: false, viewId });
    return id;
  }

  isOpen(id: string): boolean {
    return this.meta.get(id)?.open ?? false;
  }

  lastOpened(): StoredView | undefined {
    return this.lastOpenedId === undefined ? undefined : this.views.get(this.lastOpenedId);
  }

  rootOf(id: string): string | undefined {
    return this.meta.get(id)?.rootId;
  }

  stackOf(viewId: string): string[] {
    const root = this.rootOf(viewId);
    return root ? [...(this.stacks.get(root) ?? [])] : [];
  }

  topView(viewId?: string): StoredView | undefined {
    const root = viewId ? this.rootOf(viewId) : this.lastStackRoot;
    const stack = root ? this.stacks.get(root) : undefined;
    const top = stack?.[stack.length - 1];
    return top ? this.views.get(top) : undefined;
  }

  homeView(userId: string): StoredView | undefined {
    const id = this.homeViews.get(userId);
    return id ? this.views.get(id) : undefined;
  }

  /** The block ids of the input blocks of view `id`. */
  inputBlockIds(id: string): Set<string> {
    const blocks = this.views.get(id)?.blocks ?? [];
    return new Set(blocks.filter((b) => isObject(b) && b.type === "input").map((b) => String(isObject(b) ? b.block_id : "")));
  }

  stackSize(id: string): number {
    const root = this.rootOf(id);
    return root ? (this.stacks.get(root)?.length ?? 0) : 0;
  }

  closeView(id: string, opts: { clearStack?: boolean } = {}): string[] {
    const meta = this.meta.get(id);
    if (meta?.kind !== "modal" || !meta.open) return [];
    const stack = this.stacks.get(meta.rootId) ?? [];
    const idx = opts.clearStack ? 0 : stack.indexOf(id);
    const closed = idx < 0 ? [] : stack.splice(idx);
    for (const v of closed) {
      const m = this.meta.get(v);
      if (m) m.open = false;
    }
    if (stack.length === 0) this.stacks.delete(meta.rootId);
    return closed;
  }

  /** Replaces view `id` (already checked) keeping its place in the stack. */
  replace(id: string, input: JsonObject): void {
    this.views.set(id, this.build(id, input, this.views.get(id)));
    this.noteExternalId(input, id);
  }

  pushView(rootId: string, input: JsonObject): string {
    const stack = this.stacks.get(rootId) ?? [];
    const id = this.newViewId();
    this.views.set(id, this.build(id, input, undefined, { rootId, previousId: stack[stack.length - 1] }));
    this.meta.set(id, { kind: "modal", open: true, rootId });
    stack.push(id);
    this.stacks.set(rootId, stack);
    this.noteExternalId(input, id);
    this.lastStackRoot = rootId;
    return id;
  }

  // ---------------------------------------------------------------- Web API methods

  open(args: JsonObject): ApiAnswer {
    const c = new Checker();
    if (!checkView(c, "/view", args.view, "modal") || c.messages.length) return invalidArguments(c.messages);
    const input = args.view;
    const trig = this.checkTrigger(args.trigger_id);
    if (typeof trig === "string") return { ok: false, error: trig };
    if (typeof input.external_id === "string" && input.external_id && this.externalIds.has(input.external_id)) {
      return { ok: false, error: "duplicate_external_id" };
    }
    trig.used = true;
    const id = this.newViewId();
    const view = this.build(id, input, undefined, { rootId: id });
    this.views.set(id, view);
    this.meta.set(id, { kind: "modal", open: true, rootId: id });
    this.stacks.set(id, [id]);
    this.noteExternalId(input, id);
    this.lastOpenedId = id;
    this.lastStackRoot = id;
    return { ok: true, view };
  }

  push(args: JsonObject): ApiAnswer {
    const c = new Checker();
    if (!checkView(c, "/view", args.view, "modal") || c.messages.length) return invalidArguments(c.messages);
    const input = args.view;
    const t = this.checkTrigger(args.trigger_id);
    if (typeof t === "string") return { ok: false, error: t };
    const root = t.viewId ? this.rootOf(t.viewId) : this.lastStackRoot;
    const stack = root ? this.stacks.get(root) : undefined;
    if (!root || !stack || stack.length === 0) return { ok: false, error: "not_found" };
    if (stack.length >= MAX_VIEW_STACK) return { ok: false, error: "push_limit_reached" };
    t.used = true;
    const id = this.pushView(root, input);
    return { ok: true, view: this.views.get(id) };
  }

  update(args: JsonObject): ApiAnswer {
    if (!args.view_id && !args.external_id) return invalidArguments(["[ERROR] one of view_id or external_id is required"]);
    const id: string | undefined = args.view_id
      ? String(args.view_id)
      : args.external_id
        ? this.externalIds.get(String(args.external_id))
        : undefined;
    const meta = id ? this.meta.get(id) : undefined;
    const c = new Checker();
    if (!checkView(c, "/view", args.view, meta?.kind ?? "modal") || c.messages.length) return invalidArguments(c.messages);
    const input = args.view;
    const prev = id ? this.views.get(id) : undefined;
    if (!id || !meta?.open || !prev) return { ok: false, error: "not_found" };
    if (args.hash !== undefined && args.hash !== prev.hash) return { ok: false, error: "hash_conflict" };
    const view = this.build(id, input, prev);
    this.views.set(id, view);
    this.noteExternalId(input, id);
    return { ok: true, view };
  }

  publish(args: JsonObject): ApiAnswer {
    const userId = args.user_id ? String(args.user_id) : "";
    const c = new Checker();
    const input = checkView(c, "/view", args.view, "home") ? args.view : undefined;
    if (!userId) c.err("/user_id", "missing required field: user_id");
    if (!input || c.messages.length) return invalidArguments(c.messages);
    const existing = this.homeViews.get(userId);
    const prev = existing ? this.views.get(existing) : undefined;
    if (args.hash !== undefined && prev && args.hash !== prev.hash) return { ok: false, error: "hash_conflict" };
    const id = existing ?? this.newViewId();
    const view = this.build(id, input, prev, { rootId: id });
    this.views.set(id, view);
    this.meta.set(id, { kind: "home", open: true, rootId: id, userId });
    this.homeViews.set(userId, id);
    return { ok: true, view };
  }

  // ---------------------------------------------------------------- internals

  /** The unused, unexpired trigger, or Slack's error code. */
  private checkTrigger(triggerId: unknown): TriggerEntry | string {
    if (typeof triggerId !== "string" || triggerId === "") return "invalid_trigger_id";
    const t = this.triggers.get(triggerId);
    if (!t) return "invalid_trigger_id";
    if (t.used) return "exchanged_trigger_id";
    if (this.ctx.now() - t.issuedAt > TRIGGER_TTL_MS) return "expired_trigger_id";
    return t;
  }

  private noteExternalId(input: JsonObject, id: string): void {
    if (input.external_id) this.externalIds.set(String(input.external_id), id);
  }

  private newViewId(): string {
    return `V${this.ctx.nextSeq().toString(36).toUpperCase().padStart(4, "0")}${hex(3).toUpperCase()}`;
  }

  private build(
    id: string,
    input: JsonObject,
    prev: StoredView | undefined,
    ids: { rootId?: string; previousId?: string } = {},
  ): StoredView {
    const { ctx } = this;
    return {
      id,
      team_id: ctx.teamId,
      type: input.type,
      blocks: normalizeBlocks(input.blocks ?? []),
      private_metadata: input.private_metadata ?? "",
      callback_id: input.callback_id ?? "",
      state: { values: {} },
      hash: `${Math.floor(ctx.now() / 1000)}.${hex(4)}`,
      title: input.title ?? null,
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      close: input.close ?? null,
      submit: input.submit ?? null,
      previous_view_id: prev?.previous_view_id ?? ids.previousId ?? null,
      root_view_id: prev?.root_view_id ?? ids.rootId ?? id,
      app_id: ctx.appId,
      external_id: input.external_id ?? "",
      app_installed_team_id: ctx.teamId,
      bot_id: ctx.botId,
    };
  }
}
