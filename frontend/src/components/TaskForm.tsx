"use client";

import { useId, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { errorMessage } from "@/lib/errors";
import {
  DATE_ONLY_DUE_TIME,
  EMPTY_DRAFT,
  TITLE_MAX,
  browserTimeZone,
  validateTaskDraft,
  type DraftErrors,
  type TaskDraft,
} from "@/lib/tasks";
import { PRIORITIES, RECURRENCES, type TaskInput } from "@/lib/types";
import { Alert } from "./Alert";

const noSubscription = () => () => {};

/** The browser's time zone; null while rendering on the server (whose zone is not the user's). */
function useTimeZone(): string | null {
  return useSyncExternalStore(noSubscription, browserTimeZone, () => null);
}

/** Create or edit a task. `onSubmit` throws to show a server error; resolves when saved. */
export function TaskForm({
  mode,
  initial = EMPTY_DRAFT,
  onSubmit,
  onCancel,
}: {
  mode: "create" | "edit";
  initial?: TaskDraft;
  onSubmit: (value: TaskInput) => Promise<void>;
  onCancel?: () => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState<TaskDraft>(initial);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dueDateInput = useRef<HTMLInputElement>(null);
  const dueTimeInput = useRef<HTMLInputElement>(null);
  const timeZone = useTimeZone();
  const editing = mode === "edit";

  function set<K extends keyof TaskDraft>(key: K, value: TaskDraft[K]) {
    setDraft((d) => ({ ...d, [key]: value }));
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFormError(null);
    // A half-typed date or time has the value "" but is not empty: only the input itself knows.
    const result = validateTaskDraft({
      ...draft,
      dueDateIncomplete: dueDateInput.current?.validity.badInput ?? false,
      dueTimeIncomplete: dueTimeInput.current?.validity.badInput ?? false,
    });
    if (!result.ok) {
      setErrors(result.errors);
      const first = Object.keys(result.errors)[0];
      document.getElementById(`${id}-${first}`)?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await onSubmit(result.value);
      if (!editing) setDraft(EMPTY_DRAFT);
    } catch (error) {
      setFormError(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  function fieldProps(key: keyof TaskDraft, hint?: string) {
    const describedBy = [errors[key] ? `${id}-${key}-err` : "", hint ?? ""].filter(Boolean).join(" ");
    return {
      id: `${id}-${key}`,
      "aria-invalid": !!errors[key],
      "aria-describedby": describedBy || undefined,
    };
  }

  function fieldError(key: keyof TaskDraft) {
    return errors[key] ? (
      <p id={`${id}-${key}-err`} className="field-error">
        {errors[key]}
      </p>
    ) : null;
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={editing ? "Edit task" : "Add a task"}
      onKeyDown={(e) => {
        if (editing && e.key === "Escape" && onCancel) {
          e.preventDefault();
          onCancel();
        }
      }}
      className="space-y-3"
    >
      {formError && <Alert tone="error">{formError}</Alert>}
      <div className="grid gap-3 sm:grid-cols-6">
        <div className="sm:col-span-6">
          <label htmlFor={`${id}-title`} className="label">
            Title
          </label>
          <input
            {...fieldProps("title")}
            className="field"
            value={draft.title}
            placeholder={editing ? undefined : "What needs doing?"}
            autoFocus={editing}
            onChange={(e) => set("title", e.target.value)}
          />
          {fieldError("title")}
          {draft.title.trim().length > TITLE_MAX && !errors.title && (
            <p className="mt-1 text-sm text-red-700">
              {draft.title.trim().length} characters: the most a title can have is {TITLE_MAX}.
            </p>
          )}
        </div>
        <div className="sm:col-span-6">
          <label htmlFor={`${id}-description`} className="label">
            Description <span className="font-normal text-slate-500">(optional)</span>
          </label>
          <textarea
            {...fieldProps("description")}
            className="field"
            rows={2}
            value={draft.description}
            onChange={(e) => set("description", e.target.value)}
          />
          {fieldError("description")}
        </div>
        <div className="sm:col-span-3">
          <label htmlFor={`${id}-priority`} className="label">
            Priority
          </label>
          <select
            {...fieldProps("priority")}
            className="field"
            value={draft.priority}
            onChange={(e) => set("priority", e.target.value as TaskDraft["priority"])}
          >
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p[0].toUpperCase() + p.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <div className="sm:col-span-3">
          <label htmlFor={`${id}-recurrence`} className="label">
            Repeats
          </label>
          <select
            {...fieldProps("recurrence")}
            className="field"
            value={draft.recurrence}
            onChange={(e) => set("recurrence", e.target.value as TaskDraft["recurrence"])}
          >
            {RECURRENCES.map((r) => (
              <option key={r} value={r}>
                {r === "none" ? "Never" : r[0].toUpperCase() + r.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="grid grid-cols-2 gap-3 sm:col-span-6">
          <legend className="sr-only">Due</legend>
          <div>
            <label htmlFor={`${id}-dueDate`} className="label">
              Due date <span className="font-normal text-slate-500">(optional)</span>
            </label>
            <input
              {...fieldProps("dueDate", `${id}-due-hint`)}
              ref={dueDateInput}
              type="date"
              className="field"
              value={draft.dueDate}
              onChange={(e) => set("dueDate", e.target.value)}
            />
          </div>
          <div>
            <label htmlFor={`${id}-dueTime`} className="label">
              Time <span className="font-normal text-slate-500">(optional)</span>
            </label>
            <input
              {...fieldProps("dueTime", `${id}-due-hint`)}
              ref={dueTimeInput}
              type="time"
              className="field"
              value={draft.dueTime}
              onChange={(e) => set("dueTime", e.target.value)}
            />
          </div>
          <div className="col-span-2">
            {fieldError("dueDate")}
            {fieldError("dueTime")}
            <p id={`${id}-due-hint`} className="text-xs text-slate-600" data-testid="due-hint">
              Without a time it is due at {DATE_ONLY_DUE_TIME}
              {timeZone ? `, your time (${timeZone})` : ", your time"}.
            </p>
          </div>
        </fieldset>
        <div className="sm:col-span-6">
          <label htmlFor={`${id}-tags`} className="label">
            Tags <span className="font-normal text-slate-500">(comma-separated)</span>
          </label>
          <input
            {...fieldProps("tags")}
            className="field"
            value={draft.tags}
            placeholder="work, home"
            onChange={(e) => set("tags", e.target.value)}
          />
          {fieldError("tags")}
        </div>
      </div>
      <div className="flex gap-2">
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? "Saving…" : editing ? "Save" : "Add task"}
        </button>
        {onCancel && (
          <button type="button" className="btn-secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
