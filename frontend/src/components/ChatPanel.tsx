"use client";

import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { apiFetch } from "@/lib/api-client";
import { MESSAGE_MAX } from "@/lib/api-limits";
import { changesTasks, toDisplayMessages, type DisplayMessage } from "@/lib/chat";
import {
  StreamError,
  browserTimeZone,
  conversationFromUrl,
  rememberConversation,
  streamChat,
} from "@/lib/chat-stream";
import { errorMessage } from "@/lib/errors";
import type { ChatRequest, Conversation, Message } from "@/lib/types";
import { Alert } from "./Alert";
import { ToolChips } from "./ToolChips";

/** The API's own limit (from its OpenAPI schema), so the input and the API never disagree. */
const MESSAGE_LIMIT = MESSAGE_MAX;

/** The assistant: conversation list, the selected conversation's messages, and a composer. */
export function ChatPanel({ onTasksChanged }: { onTasksChanged: () => void }) {
  const id = useId();
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [listError, setListError] = useState<string | null>(null);
  const [listLoading, setListLoading] = useState(true);
  const [activeId, setActiveId] = useState<number | null>(null);
  const [messages, setMessages] = useState<DisplayMessage[]>([]);
  const [messagesLoading, setMessagesLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const scrollRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  const loadConversations = useCallback(async (): Promise<Conversation[] | null> => {
    try {
      const data = await apiFetch<Conversation[] | { items: Conversation[] }>("/api/conversations");
      const list = Array.isArray(data) ? data : (data?.items ?? []);
      setConversations(list);
      setListError(null);
      return list;
    } catch (e) {
      setListError(errorMessage(e));
      return null;
    } finally {
      setListLoading(false);
    }
  }, []);

  const showConversation = useCallback(async (conversationId: number) => {
    setActiveId(conversationId);
    rememberConversation(conversationId);
    setError(null);
    setMessagesLoading(true);
    try {
      const data = await apiFetch<Message[] | { items: Message[] }>(`/api/conversations/${conversationId}/messages`);
      setMessages(toDisplayMessages(Array.isArray(data) ? data : (data?.items ?? [])));
      return true;
    } catch (e) {
      setMessages([]);
      setError(errorMessage(e));
      return false;
    } finally {
      setMessagesLoading(false);
    }
  }, []);

  // After a reload: the conversation in the URL, else the most recent one.
  useEffect(() => {
    void (async () => {
      const list = await loadConversations();
      const wanted = conversationFromUrl(window.location.search);
      if (wanted === "new" || !list) return;
      const target = wanted ?? list[0]?.id;
      if (target !== undefined) await showConversation(target);
    })();
  }, [loadConversations, showConversation]);

  useEffect(() => {
    scrollRef.current?.scrollTo?.({ top: scrollRef.current.scrollHeight });
  }, [messages, sending]);

  async function openConversation(conversationId: number) {
    await showConversation(conversationId);
  }

  function newConversation() {
    setActiveId(null);
    rememberConversation("new");
    setMessages([]);
    setError(null);
    inputRef.current?.focus();
  }

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const text = draft.trim();
    if (!text || sending) return;
    if (text.length > MESSAGE_LIMIT) {
      setError(
        `A message can be at most ${MESSAGE_LIMIT.toLocaleString("en-US")} characters; this one has ${text.length.toLocaleString("en-US")}.`,
      );
      return;
    }
    setError(null);
    setSending(true);
    const stamp = Date.now();
    const pendingKey = `pending-${stamp}`;
    const replyKey = `reply-${stamp}`;
    setMessages((m) => [...m, { key: pendingKey, role: "user", content: text, toolCalls: [], pending: true }]);
    setDraft("");
    const updateReply = (change: (reply: DisplayMessage) => DisplayMessage) =>
      setMessages((m) => m.map((msg) => (msg.key === replyKey ? change(msg) : msg)));
    let conversationId = activeId;
    try {
      const body: ChatRequest = { message: text };
      if (activeId !== null) body.conversation_id = activeId;
      const timezone = browserTimeZone();
      if (timezone) body.timezone = timezone;
      const reply = await streamChat(body, {
        onStart: (id) => {
          conversationId = id;
          setActiveId(id);
          rememberConversation(id);
          setMessages((m) => [
            ...m.map((msg) => (msg.key === pendingKey ? { ...msg, pending: false } : msg)),
            { key: replyKey, role: "assistant", content: "", toolCalls: [], streaming: true },
          ]);
        },
        onText: (delta) => updateReply((r) => ({ ...r, content: r.content + delta })),
        onToolCall: (call) => updateReply((r) => ({ ...r, toolCalls: [...r.toolCalls, { ...call, running: true }] })),
        onToolResult: (call) =>
          updateReply((r) => {
            const index = r.toolCalls.findIndex((c) => c.running && c.name === call.name);
            const calls = [...r.toolCalls];
            if (index === -1) calls.push(call);
            else calls[index] = call;
            return { ...r, toolCalls: calls };
          }),
      });
      const toolCalls = reply.tool_calls ?? [];
      updateReply((r) => ({ ...r, content: reply.response, toolCalls, streaming: false }));
      if (changesTasks(toolCalls)) onTasksChanged();
      void loadConversations();
    } catch (e) {
      if (e instanceof StreamError && e.acknowledged && conversationId !== null) {
        // The message was stored: show the conversation as the server has it, and why it stopped.
        await showConversation(conversationId);
        onTasksChanged();
      } else {
        setMessages((m) => m.filter((msg) => msg.key !== pendingKey && msg.key !== replyKey));
        setDraft(text);
      }
      setError(errorMessage(e));
      // The backend may have stored the message (and started a conversation) before failing.
      void loadConversations();
    } finally {
      setSending(false);
      inputRef.current?.focus();
    }
  }

  return (
    <section aria-labelledby={`${id}-heading`} className="flex h-full min-h-[28rem] flex-col rounded-xl border border-slate-200 bg-white shadow-sm">
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 p-3">
        <h2 id={`${id}-heading`} className="text-base font-semibold">
          Assistant
        </h2>
        <button type="button" className="btn-secondary" onClick={newConversation}>
          New chat
        </button>
      </div>

      <nav aria-label="Conversations" className="border-b border-slate-200 p-2">
        {listLoading ? (
          <p className="px-1 text-sm text-slate-500">Loading conversations…</p>
        ) : listError ? (
          <Alert
            tone="error"
            action={
              <button type="button" className="btn-ghost" onClick={() => void loadConversations()}>
                Retry
              </button>
            }
          >
            Could not load conversations. {listError}
          </Alert>
        ) : conversations.length === 0 ? (
          <p className="px-1 text-sm text-slate-500">No conversations yet.</p>
        ) : (
          <ul className="flex max-h-32 flex-col gap-1 overflow-y-auto" data-testid="conversation-list">
            {conversations.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  onClick={() => void openConversation(c.id)}
                  aria-current={c.id === activeId ? "true" : undefined}
                  className={`w-full truncate rounded px-2 py-1 text-left text-sm ${
                    c.id === activeId ? "bg-indigo-100 font-medium text-indigo-900" : "hover:bg-slate-100"
                  }`}
                >
                  {c.title?.trim() || `Conversation ${c.id}`}
                </button>
              </li>
            ))}
          </ul>
        )}
      </nav>

      <div
        ref={scrollRef}
        className="flex-1 space-y-3 overflow-y-auto p-3"
        role="log"
        aria-label="Messages"
        aria-live="polite"
        data-testid="chat-log"
      >
        {messagesLoading && <p className="text-sm text-slate-500">Loading messages…</p>}
        {!messagesLoading && messages.length === 0 && (
          <p className="text-sm text-slate-500">
            Ask me to manage your tasks, for example “Add a task to buy groceries tomorrow” or “What’s pending?”
          </p>
        )}
        {messages.map((m) => (
          <div key={m.key} className={m.role === "user" ? "flex justify-end" : "flex justify-start"}>
            <div
              data-testid={m.role === "user" ? "chat-user" : "chat-assistant"}
              className={`max-w-[85%] whitespace-pre-wrap break-words rounded-lg px-3 py-2 text-sm ${
                m.role === "user" ? "bg-indigo-600 text-white" : "bg-slate-100 text-slate-900"
              } ${m.pending ? "opacity-70" : ""}`}
            >
              <span className="sr-only">{m.role === "user" ? "You: " : "Assistant: "}</span>
              {m.content}
              {m.streaming && (
                <span className="ml-0.5 inline-block animate-pulse" aria-hidden="true" data-testid="chat-streaming">
                  ▍
                </span>
              )}
              {m.role === "assistant" && <ToolChips calls={m.toolCalls} />}
            </div>
          </div>
        ))}
        {sending && !messages.some((m) => m.streaming) && (
          <p className="text-sm text-slate-500" data-testid="chat-thinking">
            Assistant is thinking…
          </p>
        )}
      </div>

      <form onSubmit={send} aria-label="Send a message" className="space-y-2 border-t border-slate-200 p-3">
        {error && <Alert tone="error">{error}</Alert>}
        <label htmlFor={`${id}-input`} className="label">
          Message the assistant
        </label>
        <div className="flex gap-2">
          <textarea
            id={`${id}-input`}
            ref={inputRef}
            rows={2}
            className="field resize-none"
            value={draft}
            placeholder="Add a task to call the plumber tomorrow"
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                void send();
              }
            }}
            aria-describedby={`${id}-hint`}
          />
          <button type="submit" className="btn-primary self-end" disabled={sending || !draft.trim()}>
            {sending ? "Sending…" : "Send"}
          </button>
        </div>
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          Enter sends, Shift+Enter adds a new line.
          {draft.length > MESSAGE_LIMIT * 0.9 && (
            <span data-testid="chat-count" className={draft.length > MESSAGE_LIMIT ? " font-medium text-red-700" : ""}>
              {" "}
              {draft.length.toLocaleString("en-US")} / {MESSAGE_LIMIT.toLocaleString("en-US")} characters
            </span>
          )}
        </p>
      </form>
    </section>
  );
}
