"use client";

import { useEffect, useRef, useState } from "react";
import { dueState, draftFromTask } from "@/lib/tasks";
import type { Task, TaskInput } from "@/lib/types";
import { DueBadge } from "./DueBadge";
import { TaskForm } from "./TaskForm";

const PRIORITY_STYLES = {
  high: "bg-red-100 text-red-800",
  medium: "bg-amber-100 text-amber-900",
  low: "bg-slate-200 text-slate-700",
} as const;

const ROW_STYLES = {
  overdue: "border-l-red-500",
  "due-soon": "border-l-amber-400",
  upcoming: "border-l-transparent",
  none: "border-l-transparent",
  done: "border-l-transparent",
} as const;

export function TaskItem({
  task,
  onToggle,
  onSave,
  onDelete,
}: {
  task: Task;
  onToggle: (task: Task) => Promise<void>;
  onSave: (task: Task, value: TaskInput) => Promise<void>;
  onDelete: (task: Task) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [toggling, setToggling] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);

  // Keyboard users land back on "Edit" after saving or cancelling, not at the top of the page.
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  const state = dueState(task);
  const checkboxId = `task-${task.id}-done`;

  if (editing) {
    return (
      <li data-testid="task-item" data-task-id={task.id} className="rounded-lg border border-indigo-300 bg-white p-4">
        <TaskForm
          mode="edit"
          initial={draftFromTask(task)}
          onCancel={() => setEditing(false)}
          onSubmit={async (value) => {
            await onSave(task, value);
            setEditing(false);
          }}
        />
      </li>
    );
  }

  return (
    <li
      data-testid="task-item"
      data-task-id={task.id}
      data-completed={task.completed}
      data-due-state={state}
      className={`flex items-start gap-3 rounded-lg border border-slate-200 border-l-4 bg-white p-3 sm:p-4 ${ROW_STYLES[state]}`}
    >
      <input
        id={checkboxId}
        type="checkbox"
        className="mt-1 size-5 shrink-0 accent-indigo-600"
        // Optimistic: flips at once, settles to the server's answer (or back, on error).
        checked={toggling ? !task.completed : task.completed}
        aria-busy={toggling}
        onChange={async () => {
          if (toggling) return;
          setToggling(true);
          try {
            await onToggle(task);
          } finally {
            setToggling(false);
          }
        }}
        aria-label={`Mark "${task.title}" as ${task.completed ? "not done" : "done"}`}
      />
      <div className="min-w-0 flex-1">
        <p
          data-testid="task-title"
          className={`break-words font-medium ${task.completed ? "text-slate-500 line-through" : ""}`}
        >
          {task.title}
        </p>
        {task.description && <p className="mt-0.5 break-words text-sm text-slate-600">{task.description}</p>}
        <div className="mt-2 flex flex-wrap items-center gap-1.5">
          <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${PRIORITY_STYLES[task.priority]}`}>
            <span className="sr-only">Priority: </span>
            {task.priority}
          </span>
          <DueBadge task={task} />
          {task.recurrence !== "none" && (
            <span className="rounded bg-sky-100 px-1.5 py-0.5 text-xs text-sky-900">repeats {task.recurrence}</span>
          )}
          {task.tags.map((tag) => (
            <span key={tag} data-testid="task-tag" className="rounded-full bg-indigo-50 px-2 py-0.5 text-xs text-indigo-800">
              #{tag}
            </span>
          ))}
        </div>
      </div>
      <div className="flex shrink-0 flex-col gap-1 sm:flex-row">
        <button
          ref={editButton}
          type="button"
          className="btn-ghost"
          onClick={() => setEditing(true)}
          aria-label={`Edit "${task.title}"`}
        >
          Edit
        </button>
        <button
          type="button"
          className="btn-ghost text-red-700 hover:bg-red-50"
          onClick={() => onDelete(task)}
          aria-label={`Delete "${task.title}"`}
        >
          Delete
        </button>
      </div>
    </li>
  );
}
