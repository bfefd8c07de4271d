"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { apiFetch, onUnauthorized } from "@/lib/api-client";
import { ChatPanel } from "./ChatPanel";
import { TaskBoard } from "./TaskBoard";

/** The signed-in page: header, task board and the chat panel side by side (stacked on small screens). */
export function Workspace({ email }: { email: string }) {
  const router = useRouter();
  const [tasksVersion, setTasksVersion] = useState(0);
  const [loggingOut, setLoggingOut] = useState(false);

  useEffect(() => {
    onUnauthorized(() => router.replace("/login"));
    return () => onUnauthorized(null);
  }, [router]);

  const refreshTasks = useCallback(() => setTasksVersion((v) => v + 1), []);

  async function logout() {
    setLoggingOut(true);
    try {
      await apiFetch<void>("/api/auth/logout", { method: "POST" });
    } finally {
      router.replace("/login");
      router.refresh();
    }
  }

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
        <TaskBoard version={tasksVersion} />
        <aside aria-label="Chat assistant" className="lg:sticky lg:top-4 lg:h-[calc(100vh-6rem)]">
          <ChatPanel onTasksChanged={refreshTasks} />
        </aside>
      </main>
    </div>
  );
}
