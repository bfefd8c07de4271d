import { describe, expect, it } from "vitest";
import { changesTasks, describeToolCall, toDisplayMessages } from "@/lib/chat";
import type { Message } from "@/lib/types";

describe("describeToolCall", () => {
  it("summarises an added task from its result", () => {
    expect(
      describeToolCall({
        name: "add_task",
        arguments: { title: "Call the plumber" },
        result: { task_id: 7, status: "created", title: "Call the plumber" },
      }),
    ).toEqual({ name: "add_task", label: "Added task", detail: "#7 Call the plumber", failed: false, running: false });
  });

  it("unwraps JSON strings and MCP text content blocks", () => {
    const view = describeToolCall({
      name: "complete_task",
      arguments: { task_id: 3 },
      result: { content: [{ type: "text", text: '{"task_id":3,"status":"completed","title":"Pay bills"}' }] },
    });
    expect(view.detail).toBe("#3 Pay bills");
    expect(view.failed).toBe(false);
  });

  it("counts listed tasks", () => {
    expect(describeToolCall({ name: "list_tasks", arguments: {}, result: [{ id: 1 }, { id: 2 }] }).detail).toBe("2 tasks");
  });

  it("marks failed tool calls", () => {
    const view = describeToolCall({ name: "delete_task", arguments: { task_id: 9 }, result: "Error: task 9 not found" });
    expect(view.failed).toBe(true);
    expect(view.detail).toMatch(/task 9 not found/);
    expect(describeToolCall({ name: "x", arguments: {}, result: { error: "nope" } }).failed).toBe(true);
  });

  it("falls back to the arguments and a readable name for unknown tools", () => {
    expect(describeToolCall({ name: "snooze_task", arguments: { task_id: 4 }, result: null })).toEqual({
      name: "snooze_task",
      label: "snooze task",
      detail: "#4",
      failed: false,
      running: false,
    });
  });
});

describe("changesTasks", () => {
  it("is true only when a task-changing tool succeeded", () => {
    expect(changesTasks([{ name: "list_tasks", arguments: {}, result: [] }])).toBe(false);
    expect(changesTasks([{ name: "add_task", arguments: {}, result: { task_id: 1 } }])).toBe(true);
    expect(changesTasks([{ name: "delete_task", arguments: {}, result: { error: "task 2 not found" } }])).toBe(false);
    expect(changesTasks(null)).toBe(false);
  });
});

describe("toDisplayMessages", () => {
  const base = { created_at: "2030-01-01T00:00:00Z" };
  it("shows each assistant reply with the tools it ran, and skips malformed calls", () => {
    const messages: Message[] = [
      { ...base, id: 1, role: "user", content: "add milk", tool_calls: null },
      { ...base, id: 2, role: "assistant", content: "Added milk", tool_calls: [{ name: "add_task", arguments: {}, result: {} }] },
      { ...base, id: 3, role: "assistant", content: "Hello", tool_calls: null },
      { ...base, id: 4, role: "assistant", content: "Done", tool_calls: [{ name: "list_tasks", arguments: {}, result: [] }, { arguments: {} } as never] },
    ];
    const shown = toDisplayMessages(messages);
    expect(shown.map((m) => [m.key, m.role, m.content, m.toolCalls.map((c) => c.name)])).toEqual([
      ["m1", "user", "add milk", []],
      ["m2", "assistant", "Added milk", ["add_task"]],
      ["m3", "assistant", "Hello", []],
      ["m4", "assistant", "Done", ["list_tasks"]],
    ]);
  });
});

describe("parseEvents", () => {
  it("reads complete events and keeps the unfinished rest for the next chunk", async () => {
    const { parseEvents } = await import("@/lib/chat-stream");
    const first = parseEvents('event: start\ndata: {"conversation_id":4}\n\n: ping\n\nevent: text\ndata: {"del');
    expect(first.events).toEqual([{ event: "start", data: { conversation_id: 4 } }]);
    const second = parseEvents(first.rest + 'ta":"Hi"}\r\n\r\n');
    expect(second).toEqual({ events: [{ event: "text", data: { delta: "Hi" } }], rest: "" });
  });
});
