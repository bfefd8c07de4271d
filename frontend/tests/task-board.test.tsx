import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TaskBoard } from "@/components/TaskBoard";
import { TaskItem } from "@/components/TaskItem";
import { UNREACHABLE_MESSAGE } from "@/lib/errors";
import type { Task } from "@/lib/types";

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 1,
    title: "Buy milk",
    description: null,
    completed: false,
    priority: "medium",
    tags: ["home"],
    due_at: null,
    recurrence: "none",
    created_at: "2030-01-01T00:00:00Z",
    updated_at: "2030-01-01T00:00:00Z",
    completed_at: null,
    ...overrides,
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("TaskItem", () => {
  it("toggles, asks to delete, and returns focus to Edit after cancelling an edit", async () => {
    const onToggle = vi.fn().mockResolvedValue(undefined);
    const onDelete = vi.fn();
    const user = userEvent.setup();
    render(
      <ul>
        <TaskItem task={task({ due_at: "2000-01-01T00:00:00Z" })} onToggle={onToggle} onSave={vi.fn()} onDelete={onDelete} />
      </ul>,
    );
    expect(screen.getByTestId("task-item")).toHaveAttribute("data-due-state", "overdue");
    await user.click(screen.getByRole("checkbox", { name: 'Mark "Buy milk" as done' }));
    expect(onToggle).toHaveBeenCalledOnce();
    await user.click(screen.getByRole("button", { name: 'Delete "Buy milk"' }));
    expect(onDelete).toHaveBeenCalledOnce();

    await user.click(screen.getByRole("button", { name: 'Edit "Buy milk"' }));
    const title = screen.getByLabelText("Title");
    expect(title).toHaveFocus();
    expect(screen.getByLabelText(/Tags/)).toHaveValue("home");
    await user.keyboard("{Escape}");
    expect(screen.getByRole("button", { name: 'Edit "Buy milk"' })).toHaveFocus();
  });

  it("saves an edit with the parsed values", async () => {
    const onSave = vi.fn().mockResolvedValue(undefined);
    const user = userEvent.setup();
    render(
      <ul>
        <TaskItem task={task()} onToggle={vi.fn()} onSave={onSave} onDelete={vi.fn()} />
      </ul>,
    );
    await user.click(screen.getByRole("button", { name: 'Edit "Buy milk"' }));
    await user.clear(screen.getByLabelText("Title"));
    await user.type(screen.getByLabelText("Title"), "Buy oat milk");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(onSave).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }), expect.objectContaining({ title: "Buy oat milk", tags: ["home"] }));
  });
});

describe("TaskBoard", () => {
  it("shows loading, then the tasks from the route handler", async () => {
    const fetchSpy = vi.fn(async () => Response.json({ items: [task()], total: 1, total_capped: false, limit: 50, offset: 0, next_cursor: null }));
    vi.stubGlobal("fetch", fetchSpy);
    render(<TaskBoard version={0} />);
    expect(screen.getByText("Loading tasks…")).toBeInTheDocument();
    const list = await screen.findByRole("list", { name: "Tasks" });
    expect(within(list).getByText("Buy milk")).toBeInTheDocument();
    expect(screen.getByTestId("task-count")).toHaveTextContent("1 task");
    expect(String((fetchSpy.mock.calls[0] as unknown[])[0])).toBe("/api/tasks?status=all&sort=created&order=desc&limit=50");
  });

  it("says 200+ when the backend stopped counting, and still offers more", async () => {
    const items = Array.from({ length: 50 }, (_, i) => task({ id: i + 1, title: `Task ${i + 1}` }));
    vi.stubGlobal("fetch", vi.fn(async () => Response.json({ items, total: 200, total_capped: true, limit: 50, offset: 0, next_cursor: "x" })));
    render(<TaskBoard version={0} />);
    expect(await screen.findByTestId("task-count")).toHaveTextContent("200+ tasks");
    expect(screen.getByRole("button", { name: /Show more/ })).toBeInTheDocument();
  });

  it("shows the empty state", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Response.json({ items: [], total: 0, total_capped: false, limit: 50, offset: 0, next_cursor: null })));
    render(<TaskBoard version={0} />);
    expect(await screen.findByTestId("tasks-empty")).toHaveTextContent("No tasks yet");
  });

  it("shows the backend-down message and retries", async () => {
    const fetchSpy = vi
      .fn()
      .mockResolvedValueOnce(Response.json({ detail: UNREACHABLE_MESSAGE }, { status: 503 }))
      .mockResolvedValueOnce(Response.json({ items: [task()], total: 1, total_capped: false, limit: 50, offset: 0, next_cursor: null }));
    vi.stubGlobal("fetch", fetchSpy);
    render(<TaskBoard version={0} />);
    expect(await screen.findByTestId("tasks-error")).toHaveTextContent(UNREACHABLE_MESSAGE);
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(screen.getByText("Buy milk")).toBeInTheDocument());
  });

  it("reloads when the version changes (e.g. after a chat turn ran tools)", async () => {
    const fetchSpy = vi.fn(async () => Response.json({ items: [], total: 0, total_capped: false, limit: 50, offset: 0, next_cursor: null }));
    vi.stubGlobal("fetch", fetchSpy);
    const { rerender } = render(<TaskBoard version={0} />);
    await screen.findByTestId("tasks-empty");
    rerender(<TaskBoard version={1} />);
    await waitFor(() => expect(fetchSpy).toHaveBeenCalledTimes(2));
  });
});
