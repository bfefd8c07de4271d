// Task rules the UI needs: list query building, due-date highlighting, form parsing/validation.
// The limits come from the backend's OpenAPI schema (api-limits.ts is generated with the types).
import {
  DATE_ONLY_DUE_TIME,
  DESCRIPTION_MAX,
  DUE_FIRST_DAY,
  DUE_LAST_DAY,
  LIST_LIMIT_MAX,
  TAGS_MAX,
  TAG_MAX,
  TITLE_MAX,
} from "./api-limits";
import {
  PRIORITIES,
  type Priority,
  type Recurrence,
  type SortField,
  type SortOrder,
  type StatusFilter,
  type Task,
  type TaskInput,
  type TaskQueryKey,
} from "./types";

export { DATE_ONLY_DUE_TIME, DESCRIPTION_MAX, TAGS_MAX, TAG_MAX, TITLE_MAX };
export const DUE_SOON_HOURS = 24;
export const PAGE_SIZE = 50;
export const MAX_LIMIT = LIST_LIMIT_MAX;

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

const STATUSES: readonly StatusFilter[] = ["all", "pending", "completed"];
const SORTS: readonly SortField[] = ["created", "title", "due_date", "priority"];
const ORDERS: readonly SortOrder[] = ["asc", "desc"];

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** The filters a page URL asks for (`/tasks?status=pending&sort=title`); anything unknown is a default. */
export function filtersFromUrl(params: URLSearchParams): TaskFilters {
  return {
    status: oneOf(params.get("status"), STATUSES, DEFAULT_FILTERS.status),
    priority: oneOf<Priority | "">(params.get("priority"), PRIORITIES, ""),
    tag: (params.get("tag") ?? "").slice(0, TAG_MAX),
    q: (params.get("q") ?? "").slice(0, TITLE_MAX),
    sort: oneOf(params.get("sort"), SORTS, DEFAULT_FILTERS.sort),
    order: oneOf(params.get("order"), ORDERS, DEFAULT_FILTERS.order),
  };
}

/** Writes `filters` into a page URL's query: only what differs from the defaults (a plain /tasks
 * stays plain); other keys are left alone. */
export function writeFiltersToUrl(params: URLSearchParams, filters: TaskFilters): void {
  for (const key of Object.keys(DEFAULT_FILTERS) as (keyof TaskFilters)[]) {
    const value = key === "tag" || key === "q" ? filters[key].trim() : filters[key];
    if (value && value !== DEFAULT_FILTERS[key]) params.set(key, value);
    else params.delete(key);
  }
}

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

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** The browser's IANA time zone (e.g. "Europe/Berlin"): due dates are entered and shown in it. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** ISO timestamp -> the local "YYYY-MM-DD" and "HH:mm" the date and time inputs take. */
export function toLocalDateTime(iso: string | null): { date: string; time: string } {
  const d = iso ? new Date(iso) : null;
  if (!d || Number.isNaN(d.getTime())) return { date: "", time: "" };
  return {
    date: `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
  };
}

/** What the due-date fields hold: the inputs' values, and whether the browser holds more than it
 * gives (a date input with only day and month typed has value "" but is not empty). */
export interface DueDraft {
  date: string;
  time: string;
  dateIncomplete?: boolean;
  timeIncomplete?: boolean;
}

export type DueResult = { ok: true; iso: string | null } | { ok: false; field: "dueDate" | "dueTime"; message: string };

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function humanDay(isoDay: string): string {
  const [y, m, d] = isoDay.split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * The due date-time as ISO 8601 (UTC), from a local date and optional time in the browser's time
 * zone; a date without a time means DATE_ONLY_DUE_TIME. Anything partial or implausible is an
 * error naming what to fix, so nothing is sent that the API would refuse or store wrongly.
 */
export function parseDue(due: DueDraft): DueResult {
  const dateText = due.date.trim();
  const timeText = due.time.trim();
  if (due.dateIncomplete) {
    // The browser gives no value for a half-typed date, nor for one that does not exist (31 April,
    // 29 February outside a leap year), and says which it is only as "bad input".
    return {
      ok: false,
      field: "dueDate",
      message: "That due date is incomplete or does not exist (29 February is only in leap years): enter day, month and a four-digit year, or clear it.",
    };
  }
  if (due.timeIncomplete) {
    return { ok: false, field: "dueTime", message: `Finish the time (hours and minutes), or clear it for ${DATE_ONLY_DUE_TIME}.` };
  }
  if (!dateText) {
    if (timeText) return { ok: false, field: "dueDate", message: "Pick a date for this time, or clear the time." };
    return { ok: true, iso: null };
  }
  const m = /^(\d{4,6})-(\d{2})-(\d{2})$/.exec(dateText);
  if (!m) return { ok: false, field: "dueDate", message: "Enter the due date as day, month and a four-digit year." };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 100) {
    return {
      ok: false,
      field: "dueDate",
      message: `The year ${m[1]} looks like a two-digit year: enter all four digits (${2000 + year}?).`,
    };
  }
  const isoDay = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  const daysInMonth = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (day < 1 || day > daysInMonth) {
    const message =
      month === 2 && day === 29
        ? `29 February ${year} does not exist: ${year} is not a leap year.`
        : "That day does not exist in that month.";
    return { ok: false, field: "dueDate", message };
  }
  const asNumber = (d: string) => d.split("-").reduce((n, part) => n * 100 + Number(part), 0);
  if (asNumber(isoDay) < asNumber(DUE_FIRST_DAY) || asNumber(isoDay) > asNumber(DUE_LAST_DAY)) {
    return {
      ok: false,
      field: "dueDate",
      message: `Due dates can be from ${humanDay(DUE_FIRST_DAY)} to ${humanDay(DUE_LAST_DAY)}.`,
    };
  }
  const t = /^(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(timeText || DATE_ONLY_DUE_TIME);
  if (!t || Number(t[1]) > 23 || Number(t[2]) > 59) {
    return { ok: false, field: "dueTime", message: "Enter the time as hours and minutes." };
  }
  const [hour, minute] = [Number(t[1]), Number(t[2])];
  // setFullYear, not the Date(y, m, d) constructor, which reads years 0-99 as 1900-1999.
  const local = new Date(2000, 0, 1, 0, 0, 0, 0);
  local.setFullYear(year, month - 1, day);
  local.setHours(hour, minute, 0, 0);
  if (local.getHours() !== hour || local.getMinutes() !== minute) {
    return {
      ok: false,
      field: "dueTime",
      message: `${pad(hour)}:${pad(minute)} does not exist on ${humanDay(isoDay)} in your time zone (the clocks change); pick another time.`,
    };
  }
  return { ok: true, iso: local.toISOString() };
}

/** What the task form holds: strings as typed. */
export interface TaskDraft {
  title: string;
  description: string;
  priority: Priority;
  tags: string;
  dueDate: string;
  dueTime: string;
  dueDateIncomplete?: boolean;
  dueTimeIncomplete?: boolean;
  recurrence: Recurrence;
}

export const EMPTY_DRAFT: TaskDraft = {
  title: "",
  description: "",
  priority: "medium",
  tags: "",
  dueDate: "",
  dueTime: "",
  recurrence: "none",
};

export function draftFromTask(task: Task): TaskDraft {
  const due = toLocalDateTime(task.due_at);
  return {
    title: task.title,
    description: task.description ?? "",
    priority: task.priority,
    tags: task.tags.join(", "),
    dueDate: due.date,
    dueTime: due.time,
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
  const due = parseDue({
    date: draft.dueDate,
    time: draft.dueTime,
    dateIncomplete: draft.dueDateIncomplete,
    timeIncomplete: draft.dueTimeIncomplete,
  });
  if (due.ok) due_at = due.iso;
  else errors[due.field] = due.message;

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
