"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { apiFetch } from "@/lib/api-client";
import { errorMessage } from "@/lib/errors";
import {
  MAX_LIMIT,
  PAGE_SIZE,
  buildTaskQuery,
  filtersFromUrl,
  hasActiveFilters,
  writeFiltersToUrl,
  type TaskFilters,
} from "@/lib/tasks";
import type { Task, TaskInput, TaskList } from "@/lib/types";
import { replaceUrlQuery } from "@/lib/url";
import { Alert } from "./Alert";
import { ConfirmDialog } from "./ConfirmDialog";
import { TaskFiltersBar } from "./TaskFiltersBar";
import { TaskForm } from "./TaskForm";
import { TaskItem } from "./TaskItem";

const SEARCH_DEBOUNCE_MS = 300;

/** "1 task", "42 tasks", or "200+ tasks" when the backend stopped counting (`total_capped`). */
export function countLabel(total: number, capped: boolean): string {
  if (capped) return `${total}+ tasks`;
  return total === 1 ? "1 task" : `${total} tasks`;
}

type LoadState = { kind: "loading" } | { kind: "error"; message: string } | { kind: "ready" };

/**
 * The task list with its add form, filters and actions. Reloads whenever `version` changes.
 * Filters and sort live in the page URL (`initialQuery` is the URL's query at load), so a reload
 * or a shared link shows the same list.
 */
export function TaskBoard({ version, initialQuery = "" }: { version: number; initialQuery?: string }) {
  const [filters, setFilters] = useState<TaskFilters>(() => filtersFromUrl(new URLSearchParams(initialQuery)));
  const [search, setSearch] = useState(filters.q);
  const [items, setItems] = useState<Task[]>([]);
  const [total, setTotal] = useState(0);
  const [totalCapped, setTotalCapped] = useState(false);
  const [limit, setLimit] = useState(PAGE_SIZE);
  const [state, setState] = useState<LoadState>({ kind: "loading" });
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const [knownTags, setKnownTags] = useState<string[]>([]);
  const [pendingDelete, setPendingDelete] = useState<Task | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const requestSeq = useRef(0);

  useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => (f.q === search ? f : { ...f, q: search })), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search]);

  const reload = useCallback(() => setReloadKey((k) => k + 1), []);

  // The search text goes into the URL as typed (the list query waits for the debounce), so a
  // reload right after typing keeps it.
  useEffect(() => {
    replaceUrlQuery((params) => writeFiltersToUrl(params, { ...filters, q: search }));
  }, [filters, search]);

  useEffect(() => {
    const controller = new AbortController();
    const seq = ++requestSeq.current;
    setState((s) => (s.kind === "ready" ? s : { kind: "loading" }));
    apiFetch<TaskList>(`/api/tasks?${buildTaskQuery(filters, { limit })}`, { signal: controller.signal })
      .then((data) => {
        if (seq !== requestSeq.current) return;
        setItems(data.items);
        setTotal(data.total);
        setTotalCapped(data.total_capped);
        setKnownTags((prev) => [...new Set([...prev, ...data.items.flatMap((t) => t.tags)])].sort());
        setState({ kind: "ready" });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || seq !== requestSeq.current) return;
        setState({ kind: "error", message: errorMessage(error) });
      });
    return () => controller.abort();
  }, [filters, limit, version, reloadKey]);

  async function run(action: () => Promise<unknown>, done: string) {
    setActionError(null);
    try {
      await action();
      setNotice(done);
      reload();
    } catch (error) {
      setActionError(errorMessage(error));
      throw error;
    }
  }

  const create = (value: TaskInput) =>
    run(() => apiFetch<Task>("/api/tasks", { method: "POST", body: value }), `Added "${value.title}".`);
  const save = (task: Task, value: TaskInput) =>
    run(() => apiFetch<Task>(`/api/tasks/${task.id}`, { method: "PUT", body: value }), `Saved "${value.title}".`);
  const toggle = (task: Task) =>
    run(
      async () => {
        const updated = await apiFetch<Task>(`/api/tasks/${task.id}/complete`, { method: "PATCH" });
        // Show the answer at once; the reload that follows re-applies filters and sorting.
        setItems((current) => current.map((t) => (t.id === updated.id ? updated : t)));
      },
      task.completed ? `Marked "${task.title}" as not done.` : `Completed "${task.title}".`,
    ).catch(() => undefined);

  async function confirmDelete() {
    if (!pendingDelete) return;
    setDeleting(true);
    try {
      await run(() => apiFetch<void>(`/api/tasks/${pendingDelete.id}`, { method: "DELETE" }), `Deleted "${pendingDelete.title}".`);
    } catch {
      // shown in the action error banner
    } finally {
      setDeleting(false);
      setPendingDelete(null);
    }
  }

  const filtered = hasActiveFilters(filters);

  return (
    <section aria-labelledby="tasks-heading" className="space-y-4">
      <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <h2 className="mb-3 text-base font-semibold">Add a task</h2>
        <TaskForm mode="create" onSubmit={create} />
      </div>

      <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="tasks-heading" className="text-base font-semibold">
            Your tasks
          </h2>
          {state.kind === "ready" && (
            <p className="text-sm text-slate-600" data-testid="task-count">
              {countLabel(total, totalCapped)}
              {filtered ? " match" : ""}
            </p>
          )}
        </div>
        <TaskFiltersBar
          filters={filters}
          search={search}
          onSearch={setSearch}
          onChange={setFilters}
          knownTags={knownTags}
        />
      </div>

      <p role="status" aria-live="polite" className="sr-only">
        {notice}
      </p>
      {actionError && (
        <Alert
          tone="error"
          action={
            <button type="button" className="btn-ghost" onClick={() => setActionError(null)}>
              Dismiss
            </button>
          }
        >
          {actionError}
        </Alert>
      )}

      {state.kind === "loading" && (
        <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600" aria-busy="true">
          Loading tasks…
        </p>
      )}
      {state.kind === "error" && (
        <Alert
          tone="error"
          action={
            <button type="button" className="btn-secondary" onClick={reload}>
              Retry
            </button>
          }
        >
          <span data-testid="tasks-error">Could not load your tasks. {state.message}</span>
        </Alert>
      )}
      {state.kind === "ready" && items.length === 0 && (
        <p data-testid="tasks-empty" className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600">
          {filtered ? "No tasks match these filters." : "No tasks yet. Add one above, or ask the assistant."}
        </p>
      )}
      {state.kind === "ready" && items.length > 0 && (
        <ul aria-label="Tasks" className="space-y-2" data-testid="task-list">
          {items.map((task) => (
            <TaskItem key={task.id} task={task} onToggle={toggle} onSave={save} onDelete={setPendingDelete} />
          ))}
        </ul>
      )}
      {state.kind === "ready" && (items.length < total || totalCapped) && limit < MAX_LIMIT && (
        <button type="button" className="btn-secondary w-full" onClick={() => setLimit((l) => Math.min(l + PAGE_SIZE, MAX_LIMIT))}>
          Show more ({totalCapped ? "many" : total - items.length} more)
        </button>
      )}

      {pendingDelete && (
        <ConfirmDialog
          title="Delete task?"
          message={`"${pendingDelete.title}" will be deleted. This cannot be undone.`}
          confirmLabel="Delete"
          busy={deleting}
          onConfirm={confirmDelete}
          onCancel={() => setPendingDelete(null)}
        />
      )}
    </section>
  );
}
