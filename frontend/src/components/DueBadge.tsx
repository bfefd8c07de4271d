import { dueState, formatDue } from "@/lib/tasks";
import type { Task } from "@/lib/types";

const STYLES = {
  overdue: "border-red-300 bg-red-50 text-red-800",
  "due-soon": "border-amber-300 bg-amber-50 text-amber-900",
  upcoming: "border-slate-300 bg-white text-slate-700",
  done: "border-slate-200 bg-slate-50 text-slate-500",
} as const;

const PREFIX = { overdue: "Overdue", "due-soon": "Due soon", upcoming: "Due" } as const;

/** The due date, highlighted red when overdue and amber when due within a day. */
export function DueBadge({ task, now = new Date() }: { task: Pick<Task, "due_at" | "completed">; now?: Date }) {
  const state = dueState(task, now);
  if (state === "none" || !task.due_at) return null;
  // A task done early was never "due" in the past: only a date already gone is "Was due".
  const prefix = state === "done" ? (new Date(task.due_at) < now ? "Was due" : "Due") : PREFIX[state];
  return (
    <span
      data-testid="due-badge"
      data-due-state={state}
      className={`inline-flex items-center gap-1 rounded border px-1.5 py-0.5 text-xs ${STYLES[state]}`}
    >
      {state === "overdue" && <span aria-hidden="true">⚠</span>}
      <span className={state === "overdue" || state === "due-soon" ? "font-semibold" : undefined}>
        {prefix}
      </span>
      <time dateTime={task.due_at}>{formatDue(task.due_at)}</time>
    </span>
  );
}
