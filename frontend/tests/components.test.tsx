import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { DueBadge } from "@/components/DueBadge";
import { TaskForm } from "@/components/TaskForm";
import { ToolChips } from "@/components/ToolChips";
import { ApiError } from "@/lib/errors";

describe("ToolChips", () => {
  it("renders one chip per tool call, marking failures", () => {
    render(
      <ToolChips
        calls={[
          { name: "add_task", arguments: { title: "Call the plumber" }, result: { task_id: 1, status: "created", title: "Call the plumber" } },
          { name: "delete_task", arguments: { task_id: 5 }, result: { error: "task 5 not found" } },
        ]}
      />,
    );
    const list = screen.getByRole("list", { name: "Tools used" });
    const chips = within(list).getAllByTestId("tool-chip");
    expect(chips).toHaveLength(2);
    expect(chips[0]).toHaveTextContent("add_task");
    expect(chips[0]).toHaveTextContent("Call the plumber");
    expect(chips[1]).toHaveTextContent("failed");
    expect(chips[1]).toHaveTextContent("task 5 not found");
  });

  it("renders nothing without tool calls", () => {
    const { container } = render(<ToolChips calls={[]} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe("DueBadge", () => {
  const now = new Date("2030-06-15T12:00:00Z");
  it("shows overdue tasks", () => {
    render(<DueBadge task={{ due_at: "2030-06-14T12:00:00Z", completed: false }} now={now} />);
    const badge = screen.getByTestId("due-badge");
    expect(badge).toHaveAttribute("data-due-state", "overdue");
    expect(badge).toHaveTextContent("Overdue");
  });
  it("shows tasks due soon", () => {
    render(<DueBadge task={{ due_at: "2030-06-15T20:00:00Z", completed: false }} now={now} />);
    expect(screen.getByTestId("due-badge")).toHaveTextContent("Due soon");
  });
  it("says 'Was due' for a completed task only when the date has passed", () => {
    render(<DueBadge task={{ due_at: "2030-06-20T12:00:00Z", completed: true }} now={now} />);
    const early = screen.getByTestId("due-badge");
    expect(early).toHaveAttribute("data-due-state", "done");
    expect(early).toHaveTextContent(/^Due/);
    expect(early).not.toHaveTextContent("Was due");
    cleanup();
    render(<DueBadge task={{ due_at: "2030-06-10T12:00:00Z", completed: true }} now={now} />);
    expect(screen.getByTestId("due-badge")).toHaveTextContent(/^Was due/);
  });
  it("is absent without a due date", () => {
    const { container } = render(<DueBadge task={{ due_at: null, completed: false }} now={now} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe("TaskForm", () => {
  it("shows validation errors next to the fields and does not submit", async () => {
    const onSubmit = vi.fn();
    render(<TaskForm mode="create" onSubmit={onSubmit} />);
    await userEvent.click(screen.getByRole("button", { name: "Add task" }));
    expect(onSubmit).not.toHaveBeenCalled();
    const title = screen.getByLabelText("Title");
    expect(title).toHaveAttribute("aria-invalid", "true");
    expect(title).toHaveAccessibleDescription("Title is required.");
    expect(title).toHaveFocus();
  });

  it("submits parsed values and clears the form", async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<TaskForm mode="create" onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText("Title"), "Buy milk");
    await userEvent.selectOptions(screen.getByLabelText("Priority"), "high");
    await userEvent.type(screen.getByLabelText(/Tags/), "Home, Errands");
    await userEvent.click(screen.getByRole("button", { name: "Add task" }));
    expect(onSubmit).toHaveBeenCalledWith({
      title: "Buy milk",
      description: null,
      priority: "high",
      tags: ["home", "errands"],
      due_at: null,
      recurrence: "none",
    });
    expect(screen.getByLabelText("Title")).toHaveValue("");
  });

  it("shows the server's error message and keeps the input", async () => {
    const onSubmit = vi.fn().mockRejectedValue(new ApiError(422, "title: too long"));
    render(<TaskForm mode="create" onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText("Title"), "Something");
    await userEvent.click(screen.getByRole("button", { name: "Add task" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("title: too long");
    expect(screen.getByLabelText("Title")).toHaveValue("Something");
  });

  it("sends a date without a time as 12:00 local, and refuses a two-digit year inline", async () => {
    const onSubmit = vi.fn(async () => undefined);
    render(<TaskForm mode="create" onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText("Title"), "Dentist");
    fireEvent.change(screen.getByLabelText(/Due date/), { target: { value: "0026-12-05" } });
    await userEvent.click(screen.getByRole("button", { name: "Add task" }));
    expect(screen.getByText(/0026 looks like a two-digit year/)).toBeInTheDocument();
    expect(screen.getByLabelText(/Due date/)).toHaveAttribute("aria-invalid", "true");
    expect(onSubmit).not.toHaveBeenCalled();

    fireEvent.change(screen.getByLabelText(/Due date/), { target: { value: "2030-12-05" } });
    await userEvent.click(screen.getByRole("button", { name: "Add task" }));
    expect(onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({ title: "Dentist", due_at: new Date(2030, 11, 5, 12, 0).toISOString() }),
    );
  });

  it("cancels an edit with Escape", async () => {
    const onCancel = vi.fn();
    render(
      <TaskForm
        mode="edit"
        initial={{ title: "Old", description: "", priority: "low", tags: "a", dueDate: "", dueTime: "", recurrence: "none" }}
        onSubmit={vi.fn()}
        onCancel={onCancel}
      />,
    );
    expect(screen.getByLabelText("Title")).toHaveValue("Old");
    fireEvent.keyDown(screen.getByLabelText("Title"), { key: "Escape" });
    expect(onCancel).toHaveBeenCalledOnce();
  });
});

describe("ConfirmDialog", () => {
  it("focuses Cancel, confirms on click and cancels on Escape", async () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    render(
      <ConfirmDialog title="Delete task?" message="Gone for good" confirmLabel="Delete" onConfirm={onConfirm} onCancel={onCancel} />,
    );
    const dialog = screen.getByRole("alertdialog", { name: "Delete task?" });
    expect(dialog).toHaveAccessibleDescription("Gone for good");
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(onConfirm).toHaveBeenCalledOnce();
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(onCancel).toHaveBeenCalledOnce();
  });
});
