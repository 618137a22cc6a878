import { CB } from "./ids.js";
import { context, modal, section, type Block, type ModalView } from "./blocks.js";

/** A one-message modal: the outcome of a submission, a refusal, a "nothing to do". */
export function resultModal(title: string, text: string): ModalView {
  return modal({ title, callbackId: CB.result, close: "Close", blocks: [section(text)] });
}

/** Shown in the ack of a submission while the work runs; replaced by views.update afterwards. */
export function progressModal(title: string, text: string): ModalView {
  return modal({ title, callbackId: CB.result, close: "Close", blocks: [section(`:hourglass_flowing_sand: ${text}`)] });
}

/** A failure, with the request id the logs carry when there is one. */
export function errorModal(title: string, text: string, requestId?: string): ModalView {
  const blocks: Block[] = [section(`:warning: ${text}`)];
  if (requestId) blocks.push(context(`Request ID \`${requestId}\` — give it to your AppKeys admin if this keeps happening.`));
  return modal({ title, callbackId: CB.result, close: "Close", blocks });
}
