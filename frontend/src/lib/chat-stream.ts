// The browser side of a streamed chat turn: server-sent events over a POST (EventSource can only GET).
import { ApiError, NETWORK_MESSAGE, messageFromBody } from "./errors";
import type { ChatRequest, ChatResponse, ToolCall } from "./types";

export interface StreamEvent {
  event: string;
  data: unknown;
}

/** Splits SSE text into events; returns them and the unfinished rest (kept for the next chunk). */
export function parseEvents(buffer: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const blocks = buffer.replace(/\r\n/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) events.push({ event, data: JSON.parse(data.join("\n")) });
  }
  return { events, rest };
}

export interface StreamHandlers {
  /** The backend stored the user's message (in this conversation). */
  onStart?: (conversationId: number) => void;
  onText?: (delta: string) => void;
  onToolCall?: (call: ToolCall) => void;
  onToolResult?: (call: ToolCall) => void;
}

/** Thrown when a turn fails after the user's message was stored (`start` came): it is not lost. */
export class StreamError extends ApiError {
  readonly acknowledged: boolean;

  constructor(message: string, acknowledged: boolean) {
    super(503, message);
    this.acknowledged = acknowledged;
  }
}

/** Sends one message and reads the turn's events; resolves with the `done` answer. */
export async function streamChat(
  body: ChatRequest,
  handlers: StreamHandlers,
  signal?: AbortSignal,
): Promise<ChatResponse> {
  let response: Response;
  try {
    response = await fetch("/api/chat/stream", {
      method: "POST",
      headers: { Accept: "text/event-stream", "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, NETWORK_MESSAGE);
  }
  if (!response.ok || !response.body) {
    let parsed: unknown = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
    throw new ApiError(response.status, messageFromBody(parsed, response.status));
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let acknowledged = false;
  for (;;) {
    let chunk: ReadableStreamReadResult<string>;
    try {
      chunk = await reader.read();
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new StreamError("The connection to the assistant was lost.", acknowledged);
    }
    if (chunk.done) break;
    const { events, rest } = parseEvents(buffer + chunk.value);
    buffer = rest;
    for (const { event, data } of events) {
      const payload = (data ?? {}) as Record<string, unknown>;
      if (event === "start") {
        acknowledged = true;
        handlers.onStart?.(Number(payload.conversation_id));
      } else if (event === "text") handlers.onText?.(String(payload.delta ?? ""));
      else if (event === "tool_call") handlers.onToolCall?.(payload as unknown as ToolCall);
      else if (event === "tool_result") handlers.onToolResult?.(payload as unknown as ToolCall);
      else if (event === "done") return payload as unknown as ChatResponse;
      else if (event === "error") throw new StreamError(String(payload.detail ?? "The assistant failed."), acknowledged);
    }
  }
  throw new StreamError("The assistant stopped before finishing.", acknowledged);
}

/** The browser's IANA time zone ("Asia/Tokyo"), so "tomorrow at 9am" means the user's 9am. */
export function browserTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

/** `?conversation=12` opens that conversation, `?conversation=new` an empty chat; absent: the latest. */
export const CONVERSATION_PARAM = "conversation";

export function conversationFromUrl(search: string): number | "new" | null {
  const value = new URLSearchParams(search).get(CONVERSATION_PARAM);
  if (value === "new") return "new";
  return value && /^\d{1,12}$/.test(value) ? Number(value) : null;
}

/** Records the open conversation in the address bar (keeping every other parameter), without a navigation. */
export function rememberConversation(id: number | "new"): void {
  const url = new URL(window.location.href);
  url.searchParams.set(CONVERSATION_PARAM, String(id));
  window.history.replaceState(window.history.state, "", url);
}
