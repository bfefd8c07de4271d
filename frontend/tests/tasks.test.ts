import { describe, expect, it } from "vitest";
import {
  DEFAULT_FILTERS,
  buildTaskQuery,
  dueState,
  fromLocalInputValue,
  hasActiveFilters,
  parseTags,
  pickTaskQuery,
  toLocalInputValue,
  validateTaskDraft,
  EMPTY_DRAFT,
} from "@/lib/tasks";

const NOW = new Date("2030-06-15T12:00:00Z");

describe("dueState", () => {
  it("is none without a due date", () => {
    expect(dueState({ due_at: null, completed: false }, NOW)).toBe("none");
  });
  it("flags past due, open tasks as overdue", () => {
    expect(dueState({ due_at: "2030-06-15T11:59:00Z", completed: false }, NOW)).toBe("overdue");
  });
  it("flags tasks due within 24 hours as due soon", () => {
    expect(dueState({ due_at: "2030-06-16T11:00:00Z", completed: false }, NOW)).toBe("due-soon");
    expect(dueState({ due_at: "2030-06-16T12:00:00Z", completed: false }, NOW)).toBe("due-soon");
  });
  it("leaves later tasks unhighlighted", () => {
    expect(dueState({ due_at: "2030-06-16T12:00:01Z", completed: false }, NOW)).toBe("upcoming");
  });
  it("never highlights completed tasks", () => {
    expect(dueState({ due_at: "2020-01-01T00:00:00Z", completed: true }, NOW)).toBe("done");
  });
  it("ignores unparseable dates", () => {
    expect(dueState({ due_at: "soon", completed: false }, NOW)).toBe("none");
  });
});

describe("buildTaskQuery", () => {
  it("sends status, sort, order and limit by default", () => {
    expect(buildTaskQuery(DEFAULT_FILTERS).toString()).toBe("status=all&sort=created&order=desc&limit=50");
  });
  it("adds trimmed filters and leaves out empty ones", () => {
    const query = buildTaskQuery(
      { status: "pending", priority: "high", tag: " Work ", q: "  milk ", sort: "due_date", order: "asc" },
      { limit: 20, offset: 40 },
    );
    expect(Object.fromEntries(query)).toEqual({
      status: "pending",
      priority: "high",
      tag: "work",
      q: "milk",
      sort: "due_date",
      order: "asc",
      limit: "20",
      offset: "40",
    });
  });
});

describe("pickTaskQuery", () => {
  it("forwards only known, non-empty parameters", () => {
    const picked = pickTaskQuery(new URLSearchParams("status=all&q=&evil=1&user_id=x&tag=home&limit=10"));
    expect(picked.toString()).toBe("status=all&tag=home&limit=10");
  });
});

describe("hasActiveFilters", () => {
  it("is false for the defaults and a whitespace search", () => {
    expect(hasActiveFilters({ ...DEFAULT_FILTERS, q: "  " })).toBe(false);
    expect(hasActiveFilters({ ...DEFAULT_FILTERS, sort: "title" })).toBe(false);
    expect(hasActiveFilters({ ...DEFAULT_FILTERS, priority: "low" })).toBe(true);
  });
});

describe("parseTags", () => {
  it("splits on commas, lower-cases, trims and removes duplicates", () => {
    expect(parseTags("Work, home ,work,, URGENT")).toEqual(["work", "home", "urgent"]);
    expect(parseTags("  ")).toEqual([]);
  });
});

describe("local date input conversion", () => {
  it("round-trips a local datetime", () => {
    const iso = fromLocalInputValue("2030-01-02T09:30");
    expect(iso).not.toBeNull();
    expect(toLocalInputValue(iso)).toBe("2030-01-02T09:30");
  });
  it("treats a bare date as the end of that day", () => {
    expect(toLocalInputValue(fromLocalInputValue("2030-01-02"))).toBe("2030-01-02T23:59");
  });
  it("rejects impossible dates", () => {
    expect(fromLocalInputValue("2030-02-31T10:00")).toBeNull();
    expect(fromLocalInputValue("tomorrow")).toBeNull();
    expect(toLocalInputValue(null)).toBe("");
  });
});

describe("validateTaskDraft", () => {
  it("requires a title", () => {
    const result = validateTaskDraft({ ...EMPTY_DRAFT, title: "   " });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.title).toMatch(/required/);
  });

  it("enforces the title, description and tag limits", () => {
    const result = validateTaskDraft({
      ...EMPTY_DRAFT,
      title: "x".repeat(201),
      description: "d".repeat(1001),
      tags: "a".repeat(33),
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.title).toMatch(/200/);
      expect(result.errors.description).toMatch(/1000/);
      expect(result.errors.tags).toMatch(/32/);
    }
    const many = validateTaskDraft({ ...EMPTY_DRAFT, title: "t", tags: Array.from({ length: 11 }, (_, i) => `t${i}`).join(",") });
    expect(many.ok).toBe(false);
  });

  it("rejects an invalid due date", () => {
    const result = validateTaskDraft({ ...EMPTY_DRAFT, title: "t", due: "2030-13-01T00:00" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.due).toBeDefined();
  });

  it("builds the request body", () => {
    const result = validateTaskDraft({
      title: "  Buy milk ",
      description: " ",
      priority: "high",
      tags: "Home, errands",
      due: "2030-01-02T09:30",
      recurrence: "weekly",
    });
    expect(result).toEqual({
      ok: true,
      value: {
        title: "Buy milk",
        description: null,
        priority: "high",
        tags: ["home", "errands"],
        due_at: fromLocalInputValue("2030-01-02T09:30"),
        recurrence: "weekly",
      },
    });
  });
});
