import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_FILTERS,
  buildTaskQuery,
  dueState,
  parseDue,
  filtersFromUrl,
  writeFiltersToUrl,
  DATE_ONLY_DUE_TIME,
  hasActiveFilters,
  parseTags,
  pickTaskQuery,
  toLocalDateTime,
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

describe("parseDue (due date + optional time, in the browser's time zone)", () => {
  const zone = process.env.TZ;
  afterEach(() => {
    process.env.TZ = zone;
  });

  it("gives a date without a time the default time, in the user's time zone", () => {
    process.env.TZ = "America/Los_Angeles";
    expect(DATE_ONLY_DUE_TIME).toBe("12:00");
    // 12:00 in Los Angeles (PST, UTC-8) on 5 Dec 2030.
    expect(parseDue({ date: "2030-12-05", time: "" })).toEqual({ ok: true, iso: "2030-12-05T20:00:00.000Z" });
    process.env.TZ = "Pacific/Auckland";
    // 12:00 in Auckland (NZDT, UTC+13) is the evening before in UTC.
    expect(parseDue({ date: "2030-12-05", time: "" })).toEqual({ ok: true, iso: "2030-12-04T23:00:00.000Z" });
  });

  it("round-trips a local date and time", () => {
    process.env.TZ = "Europe/Berlin";
    const parsed = parseDue({ date: "2030-01-02", time: "09:30" });
    expect(parsed).toEqual({ ok: true, iso: "2030-01-02T08:30:00.000Z" });
    expect(toLocalDateTime(parsed.ok ? parsed.iso : null)).toEqual({ date: "2030-01-02", time: "09:30" });
    expect(toLocalDateTime(null)).toEqual({ date: "", time: "" });
  });

  it("refuses a two-digit year instead of reading it as 19xx", () => {
    const parsed = parseDue({ date: "0026-12-05", time: "" });
    expect(parsed).toMatchObject({ ok: false, field: "dueDate" });
    expect(!parsed.ok && parsed.message).toMatch(/0026 looks like a two-digit year.*2026/);
  });

  it("knows 29 February in leap and non-leap years", () => {
    expect(parseDue({ date: "2028-02-29", time: "08:00" }).ok).toBe(true);
    expect(parseDue({ date: "2000-02-29", time: "" }).ok).toBe(true);
    const notLeap = parseDue({ date: "2027-02-29", time: "" });
    expect(!notLeap.ok && notLeap.message).toBe("29 February 2027 does not exist: 2027 is not a leap year.");
    expect(parseDue({ date: "2100-02-29", time: "" }).ok).toBe(false);
    expect(parseDue({ date: "2030-04-31", time: "" })).toMatchObject({ ok: false, field: "dueDate" });
  });

  it("keeps to the API's date range", () => {
    const early = parseDue({ date: "1899-12-31", time: "" });
    expect(!early.ok && early.message).toBe("Due dates can be from 1 January 1900 to 31 December 9998.");
    expect(parseDue({ date: "9999-01-01", time: "" }).ok).toBe(false);
    expect(parseDue({ date: "275760-01-01", time: "" }).ok).toBe(false);
  });

  it("says what is missing in a partial entry", () => {
    expect(parseDue({ date: "", time: "", dateIncomplete: true })).toMatchObject({ ok: false, field: "dueDate" });
    expect(parseDue({ date: "2030-01-02", time: "", timeIncomplete: true })).toMatchObject({ ok: false, field: "dueTime" });
    expect(parseDue({ date: "", time: "10:00" })).toMatchObject({ ok: false, field: "dueDate" });
    expect(parseDue({ date: "tomorrow", time: "" })).toMatchObject({ ok: false, field: "dueDate" });
    expect(parseDue({ date: "", time: "" })).toEqual({ ok: true, iso: null });
  });

  it("refuses a time the clocks skip", () => {
    process.env.TZ = "America/New_York";
    const gap = parseDue({ date: "2030-03-10", time: "02:30" }); // clocks go 02:00 -> 03:00
    expect(gap).toMatchObject({ ok: false, field: "dueTime" });
    expect(!gap.ok && gap.message).toMatch(/02:30 does not exist on 10 March 2030/);
  });
});

describe("filters in the page URL", () => {
  it("reads known values and ignores the rest", () => {
    const filters = filtersFromUrl(new URLSearchParams("status=pending&priority=high&sort=title&order=asc&tag=work&q=milk"));
    expect(filters).toEqual({ status: "pending", priority: "high", tag: "work", q: "milk", sort: "title", order: "asc" });
    expect(filtersFromUrl(new URLSearchParams("status=bogus&sort=;drop&priority=urgent"))).toEqual(DEFAULT_FILTERS);
  });
  it("writes only what differs from the defaults and keeps other keys", () => {
    const params = new URLSearchParams("view=chat&status=completed");
    writeFiltersToUrl(params, { ...DEFAULT_FILTERS, sort: "due_date", q: "  milk " });
    expect(params.toString()).toBe("view=chat&q=milk&sort=due_date");
    writeFiltersToUrl(params, DEFAULT_FILTERS);
    expect(params.toString()).toBe("view=chat");
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
    const result = validateTaskDraft({ ...EMPTY_DRAFT, title: "t", dueDate: "2030-13-01" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.dueDate).toBeDefined();
  });

  it("builds the request body", () => {
    const result = validateTaskDraft({
      title: "  Buy milk ",
      description: " ",
      priority: "high",
      tags: "Home, errands",
      dueDate: "2030-01-02",
      dueTime: "09:30",
      recurrence: "weekly",
    });
    expect(result).toEqual({
      ok: true,
      value: {
        title: "Buy milk",
        description: null,
        priority: "high",
        tags: ["home", "errands"],
        due_at: new Date(2030, 0, 2, 9, 30).toISOString(),
        recurrence: "weekly",
      },
    });
  });
});
