// Chat display rules: which tools ran, what they did, and how stored messages are shown.
import type { Message, ToolCall } from "./types";

const TOOL_LABELS: Record<string, string> = {
  add_task: "Added task",
  list_tasks: "Listed tasks",
  complete_task: "Completed task",
  delete_task: "Deleted task",
  update_task: "Updated task",
};

/** Tools that change tasks: after a turn that ran one, the task list is refreshed. */
const MUTATING_TOOLS = new Set(["add_task", "complete_task", "delete_task", "update_task"]);

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
  try {
    return JSON.parse(trimmed);
  } catch {
    return value;
  }
}

/** MCP results may arrive as `{type:"text", text}` content blocks; unwrap to the payload. */
function unwrapResult(result: unknown): unknown {
  let value = parseMaybeJson(result);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if ("structuredContent" in obj && obj.structuredContent) return unwrapResult(obj.structuredContent);
    if ("result" in obj && Object.keys(obj).length === 1) return unwrapResult(obj.result);
    if (Array.isArray(obj.content)) value = obj.content;
  }
  if (Array.isArray(value) && value.length > 0 && value.every((b) => b && typeof b === "object" && "text" in b)) {
    const texts = value.map((b) => String((b as { text: unknown }).text));
    return texts.length === 1 ? parseMaybeJson(texts[0]) : texts.map(parseMaybeJson);
  }
  return value;
}

export interface ToolChipView {
  name: string;
  label: string;
  detail: string;
  failed: boolean;
  running: boolean;
}

function errorText(result: unknown): string | null {
  if (typeof result === "string") {
    return /^(error|tool error)\b|not found|failed/i.test(result) ? result : null;
  }
  if (result && typeof result === "object" && !Array.isArray(result)) {
    const obj = result as Record<string, unknown>;
    if (obj.isError === true || obj.is_error === true) return typeof obj.error === "string" ? obj.error : "failed";
    if (typeof obj.error === "string") return obj.error;
  }
  return null;
}

function argsOf(call: ToolCall): Record<string, unknown> {
  const args = parseMaybeJson(call.arguments);
  return args && typeof args === "object" && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
}

/** One chip's text for a tool call: e.g. {label: "Added task", detail: "Call the plumber"}. */
export function describeToolCall(call: DisplayToolCall): ToolChipView {
  const name = call.name || "tool";
  const label = TOOL_LABELS[name] ?? name.replace(/_/g, " ");
  const running = !!call.running;
  const result = running ? undefined : unwrapResult(call.result);
  const failure = errorText(result);
  if (failure) return { name, label, detail: failure, failed: true, running };

  const args = argsOf(call);
  let detail = "";
  if (Array.isArray(result)) {
    detail = `${result.length} ${result.length === 1 ? "task" : "tasks"}`;
  } else if (result && typeof result === "object") {
    const obj = result as Record<string, unknown>;
    if (typeof obj.title === "string") detail = obj.title;
    if (obj.task_id !== undefined) detail = detail ? `#${obj.task_id} ${detail}` : `#${obj.task_id}`;
  }
  if (!detail && typeof args.title === "string") detail = args.title;
  if (!detail && args.task_id !== undefined) detail = `#${String(args.task_id)}`;
  return { name, label, detail, failed: false, running };
}

export function changesTasks(toolCalls: ToolCall[] | null | undefined): boolean {
  return !!toolCalls?.some((call) => MUTATING_TOOLS.has(call.name) && !describeToolCall(call).failed);
}

/** A tool call as shown: `running` while a streamed turn waits for its result. */
export type DisplayToolCall = ToolCall & { running?: boolean };

export interface DisplayMessage {
  key: string;
  role: "user" | "assistant";
  content: string;
  toolCalls: DisplayToolCall[];
  pending?: boolean;
  /** The reply is still arriving. */
  streaming?: boolean;
}

function normaliseToolCalls(value: unknown): ToolCall[] {
  const parsed = parseMaybeJson(value);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (c): c is ToolCall => !!c && typeof c === "object" && typeof (c as ToolCall).name === "string",
  );
}

/** Stored messages -> chat bubbles; each assistant reply shows the chips of the tools it ran. */
export function toDisplayMessages(messages: Message[]): DisplayMessage[] {
  return messages.map((message) => ({
    key: `m${message.id}`,
    role: message.role,
    content: message.content,
    toolCalls: message.role === "assistant" ? normaliseToolCalls(message.tool_calls) : [],
  }));
}
