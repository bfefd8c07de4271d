"use client";

import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { apiFetch } from "@/lib/api-client";
import { changesTasks, toDisplayMessages, type DisplayMessage } from "@/lib/chat";
import { errorMessage } from "@/lib/errors";
import type { ChatRequest, ChatResponse, Conversation, Message } from "@/lib/types";
import { Alert } from "./Alert";
import { ToolChips } from "./ToolChips";

const MESSAGE_MAX = 4000;

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

  const loadConversations = useCallback(async () => {
    try {
      const data = await apiFetch<Conversation[] | { items: Conversation[] }>("/api/conversations");
      setConversations(Array.isArray(data) ? data : (data?.items ?? []));
      setListError(null);
    } catch (e) {
      setListError(errorMessage(e));
    } finally {
      setListLoading(false);
    }
  }, []);

  useEffect(() => {
    void loadConversations();
  }, [loadConversations]);

  useEffect(() => {
    scrollRef.current?.scrollTo?.({ top: scrollRef.current.scrollHeight });
  }, [messages, sending]);

  async function openConversation(conversationId: number) {
    setActiveId(conversationId);
    setError(null);
    setMessagesLoading(true);
    try {
      const data = await apiFetch<Message[] | { items: Message[] }>(`/api/conversations/${conversationId}/messages`);
      setMessages(toDisplayMessages(Array.isArray(data) ? data : (data?.items ?? [])));
    } catch (e) {
      setMessages([]);
      setError(errorMessage(e));
    } finally {
      setMessagesLoading(false);
    }
  }

  function newConversation() {
    setActiveId(null);
    setMessages([]);
    setError(null);
    inputRef.current?.focus();
  }

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const text = draft.trim();
    if (!text || sending) return;
    if (text.length > MESSAGE_MAX) {
      setError(`Messages can be at most ${MESSAGE_MAX} characters.`);
      return;
    }
    setError(null);
    setSending(true);
    const pendingKey = `pending-${Date.now()}`;
    setMessages((m) => [...m, { key: pendingKey, role: "user", content: text, toolCalls: [], pending: true }]);
    setDraft("");
    try {
      const body: ChatRequest = { message: text };
      if (activeId !== null) body.conversation_id = activeId;
      const reply = await apiFetch<ChatResponse>("/api/chat", { method: "POST", body });
      const toolCalls = reply.tool_calls ?? [];
      setMessages((m) => [
        ...m.map((msg) => (msg.key === pendingKey ? { ...msg, pending: false } : msg)),
        { key: `reply-${Date.now()}`, role: "assistant", content: reply.response, toolCalls },
      ]);
      setActiveId(reply.conversation_id);
      if (changesTasks(toolCalls)) onTasksChanged();
      void loadConversations();
    } catch (e) {
      setMessages((m) => m.filter((msg) => msg.key !== pendingKey));
      setDraft(text);
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
              {m.role === "assistant" && <ToolChips calls={m.toolCalls} />}
            </div>
          </div>
        ))}
        {sending && (
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
        </p>
      </form>
    </section>
  );
}
