// Task rules the UI needs: list query building, due-date highlighting, form parsing/validation.
import type { Priority, Recurrence, SortField, SortOrder, StatusFilter, Task, TaskInput, TaskQueryKey } from "./types";

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 1000;
export const TAGS_MAX = 10;
export const TAG_MAX = 32;
export const DUE_SOON_HOURS = 24;
export const PAGE_SIZE = 50;
/** The backend caps `limit` at 200. */
export const MAX_LIMIT = 200;

export interface TaskFilters {
  status: StatusFilter;
  priority: Priority | "";
  tag: string;
  q: string;
  sort: SortField;
  order: SortOrder;
}

export const DEFAULT_FILTERS: TaskFilters = {
  status: "all",
  priority: "",
  tag: "",
  q: "",
  sort: "created",
  order: "desc",
};

/** Query keys the backend's list endpoint understands; the route handler forwards only these. */
export const TASK_QUERY_KEYS = [
  "status",
  "priority",
  "tag",
  "q",
  "due_before",
  "due_after",
  "sort",
  "order",
  "limit",
  "offset",
] as const satisfies readonly TaskQueryKey[];

/** The list query for the current filters; empty filters are left out. */
export function buildTaskQuery(
  filters: TaskFilters,
  page: { limit?: number; offset?: number } = {},
): URLSearchParams {
  const params = new URLSearchParams();
  params.set("status", filters.status);
  if (filters.priority) params.set("priority", filters.priority);
  const tag = filters.tag.trim().toLowerCase();
  if (tag) params.set("tag", tag);
  const q = filters.q.trim();
  if (q) params.set("q", q);
  params.set("sort", filters.sort);
  params.set("order", filters.order);
  params.set("limit", String(page.limit ?? PAGE_SIZE));
  if (page.offset) params.set("offset", String(page.offset));
  return params;
}

/** Keeps only the known list parameters (non-empty) of an incoming request. */
export function pickTaskQuery(incoming: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of TASK_QUERY_KEYS) {
    const value = incoming.get(key);
    if (value !== null && value.trim() !== "") out.set(key, value.trim());
  }
  return out;
}

/** True when any filter narrows the list (so an empty list means "no matches", not "no tasks"). */
export function hasActiveFilters(filters: TaskFilters): boolean {
  return filters.status !== "all" || !!filters.priority || !!filters.tag.trim() || !!filters.q.trim();
}

export type DueState = "none" | "overdue" | "due-soon" | "upcoming" | "done";

/** Overdue: past due and not completed. Due soon: due within the next DUE_SOON_HOURS. */
export function dueState(
  task: Pick<Task, "due_at" | "completed">,
  now: Date = new Date(),
  soonHours: number = DUE_SOON_HOURS,
): DueState {
  if (!task.due_at) return "none";
  const due = new Date(task.due_at);
  if (Number.isNaN(due.getTime())) return "none";
  if (task.completed) return "done";
  const diff = due.getTime() - now.getTime();
  if (diff < 0) return "overdue";
  if (diff <= soonHours * 3600 * 1000) return "due-soon";
  return "upcoming";
}

export function formatDue(iso: string, locale?: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    weekday: "short",
    month: "short",
    day: "numeric",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZone,
  }).format(date);
}

/** "Work, urgent ,work" -> ["work", "urgent"]. */
export function parseTags(input: string): string[] {
  const seen = new Set<string>();
  for (const raw of input.split(",")) {
    const tag = raw.trim().toLowerCase();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** ISO timestamp -> the local "YYYY-MM-DDTHH:mm" value a datetime-local input takes. */
export function toLocalInputValue(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The local "YYYY-MM-DDTHH:mm" (or "YYYY-MM-DD") of an input -> ISO 8601 UTC, or null if empty/invalid. */
export function fromLocalInputValue(value: string): string | null {
  const trimmed = value.trim();
  if (!trimmed) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(trimmed);
  if (!m) return null;
  const [, y, mo, d, h = "23", mi = "59"] = m;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
  if (Number.isNaN(date.getTime()) || date.getMonth() !== Number(mo) - 1) return null;
  return date.toISOString();
}

/** What the task form holds: strings as typed. */
export interface TaskDraft {
  title: string;
  description: string;
  priority: Priority;
  tags: string;
  due: string;
  recurrence: Recurrence;
}

export const EMPTY_DRAFT: TaskDraft = {
  title: "",
  description: "",
  priority: "medium",
  tags: "",
  due: "",
  recurrence: "none",
};

export function draftFromTask(task: Task): TaskDraft {
  return {
    title: task.title,
    description: task.description ?? "",
    priority: task.priority,
    tags: task.tags.join(", "),
    due: toLocalInputValue(task.due_at),
    recurrence: task.recurrence,
  };
}

export type DraftErrors = Partial<Record<keyof TaskDraft, string>>;

export type DraftResult = { ok: true; value: TaskInput } | { ok: false; errors: DraftErrors };

/** Checks a draft against the task rules (same limits as the backend) and builds the request body. */
export function validateTaskDraft(draft: TaskDraft): DraftResult {
  const errors: DraftErrors = {};
  const title = draft.title.trim();
  if (!title) errors.title = "Title is required.";
  else if (title.length > TITLE_MAX) errors.title = `Title must be at most ${TITLE_MAX} characters.`;

  const description = draft.description.trim();
  if (description.length > DESCRIPTION_MAX) {
    errors.description = `Description must be at most ${DESCRIPTION_MAX} characters.`;
  }

  const tags = parseTags(draft.tags);
  if (tags.length > TAGS_MAX) errors.tags = `Use at most ${TAGS_MAX} tags.`;
  else {
    const long = tags.find((t) => t.length > TAG_MAX);
    if (long) errors.tags = `Tag "${long.slice(0, 40)}" is longer than ${TAG_MAX} characters.`;
  }

  let due_at: string | null = null;
  if (draft.due.trim()) {
    due_at = fromLocalInputValue(draft.due);
    if (!due_at) errors.due = "Enter a valid due date.";
  }

  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      title,
      description: description || null,
      priority: draft.priority,
      tags,
      due_at,
      recurrence: draft.recurrence,
    },
  };
}
