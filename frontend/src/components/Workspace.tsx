"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { apiFetch, onUnauthorized } from "@/lib/api-client";
import { replaceUrlQuery } from "@/lib/url";
import { ChatPanel } from "./ChatPanel";
import { TaskBoard } from "./TaskBoard";

type View = "tasks" | "chat";
const VIEWS: { view: View; label: string }[] = [
  { view: "tasks", label: "Tasks" },
  { view: "chat", label: "Assistant" },
];

/**
 * The signed-in page: header, task board and the chat panel side by side on wide screens. Below
 * the `lg` breakpoint a tab bar switches between the two in one tap; both stay mounted (a half-typed
 * message or task survives the switch) and the choice is kept in the URL (`?view=chat`).
 */
export function Workspace({ email, initialQuery = "" }: { email: string; initialQuery?: string }) {
  const router = useRouter();
  const id = useId();
  const [tasksVersion, setTasksVersion] = useState(0);
  const [loggingOut, setLoggingOut] = useState(false);
  const [view, setView] = useState<View>(() =>
    new URLSearchParams(initialQuery).get("view") === "chat" ? "chat" : "tasks",
  );
  const tabs = useRef<Record<View, HTMLButtonElement | null>>({ tasks: null, chat: null });

  useEffect(() => {
    onUnauthorized(() => router.replace("/login"));
    return () => onUnauthorized(null);
  }, [router]);

  const refreshTasks = useCallback(() => setTasksVersion((v) => v + 1), []);

  function show(next: View, focus = false) {
    setView(next);
    replaceUrlQuery((params) => (next === "chat" ? params.set("view", "chat") : params.delete("view")));
    if (focus) tabs.current[next]?.focus();
  }

  // The WAI-ARIA tabs pattern: arrow keys (and Home/End) move between the tabs.
  function onTabKey(event: KeyboardEvent<HTMLButtonElement>) {
    const order = VIEWS.map((v) => v.view);
    const at = order.indexOf(view);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: order.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    show(order[(next + order.length) % order.length], true);
  }

  async function logout() {
    setLoggingOut(true);
    try {
      await apiFetch<void>("/api/auth/logout", { method: "POST" });
    } catch {
      // The cookie is gone either way (see the route handler); the login page says nothing more.
    } finally {
      router.replace("/login");
      router.refresh();
    }
  }

  const panelId = (v: View) => `${id}-${v}-panel`;
  const tabId = (v: View) => `${id}-${v}-tab`;
  // Hidden only below lg: on wide screens both panels show, whatever the tab says.
  const visibility = (v: View) => (view === v ? "" : "max-lg:hidden");

  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-2 px-4 py-3">
          <h1 className="text-lg font-semibold">Todo Stack</h1>
          <div className="flex items-center gap-3">
            <span className="hidden text-sm text-slate-600 sm:inline" data-testid="current-user">
              {email}
            </span>
            <button type="button" className="btn-secondary" onClick={logout} disabled={loggingOut}>
              {loggingOut ? "Logging out…" : "Log out"}
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto grid max-w-7xl gap-4 px-4 py-4 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div
          role="tablist"
          aria-label="Show tasks or the assistant"
          className="sticky top-0 z-10 -mx-4 -mt-4 grid grid-cols-2 border-b border-slate-200 bg-white lg:hidden"
        >
          {VIEWS.map(({ view: v, label }) => (
            <button
              key={v}
              ref={(el) => {
                tabs.current[v] = el;
              }}
              id={tabId(v)}
              type="button"
              role="tab"
              aria-selected={view === v}
              aria-controls={panelId(v)}
              tabIndex={view === v ? 0 : -1}
              onClick={() => show(v)}
              onKeyDown={onTabKey}
              className={`px-4 py-3 text-sm font-medium ${
                view === v ? "border-b-2 border-indigo-600 text-indigo-700" : "border-b-2 border-transparent text-slate-600"
              }`}
            >
              {label}
            </button>
          ))}
        </div>
        <div id={panelId("tasks")} className={visibility("tasks")}>
          <TaskBoard version={tasksVersion} initialQuery={initialQuery} />
        </div>
        <aside
          id={panelId("chat")}
          aria-label="Chat assistant"
          className={`lg:sticky lg:top-4 lg:h-[calc(100vh-6rem)] max-lg:h-[calc(100dvh-8rem)] ${visibility("chat")}`}
        >
          <ChatPanel onTasksChanged={refreshTasks} />
        </aside>
      </main>
    </div>
  );
}
