import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChatPanel } from "@/components/ChatPanel";

type Route = (init?: RequestInit) => Response;

function stubRoutes(routes: Record<string, Route | Route[]>) {
  const spy = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const key = `${init?.method ?? "GET"} ${String(input)}`;
    const route = routes[key];
    if (!route) return Response.json({ detail: `unexpected ${key}` }, { status: 500 });
    const handler = Array.isArray(route) ? (route.length > 1 ? route.shift()! : route[0]) : route;
    return handler(init);
  });
  vi.stubGlobal("fetch", spy);
  return spy;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("ChatPanel", () => {
  it("sends a message, shows the reply with tool chips and refreshes tasks after a change", async () => {
    const spy = stubRoutes({
      "GET /api/conversations": [
        () => Response.json([]),
        () => Response.json([{ id: 4, title: "add a task", created_at: "", updated_at: "" }]),
      ],
      "POST /api/chat": () =>
        Response.json({
          conversation_id: 4,
          response: "Added 'Call the plumber' (task 2).",
          tool_calls: [{ name: "add_task", arguments: { title: "Call the plumber" }, result: { task_id: 2, status: "created", title: "Call the plumber" } }],
        }),
    });
    const onTasksChanged = vi.fn();
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={onTasksChanged} />);
    expect(await screen.findByText("No conversations yet.")).toBeInTheDocument();

    await user.type(screen.getByLabelText("Message the assistant"), "add a task to call the plumber tomorrow{Enter}");
    const reply = await screen.findByTestId("chat-assistant");
    expect(reply).toHaveTextContent("Added 'Call the plumber'");
    expect(within(reply).getByTestId("tool-chip")).toHaveTextContent("add_task");
    expect(onTasksChanged).toHaveBeenCalledOnce();
    expect(await screen.findByRole("button", { name: "add a task" })).toHaveAttribute("aria-current", "true");

    const chatCall = spy.mock.calls.find(([, init]) => init?.method === "POST");
    expect(JSON.parse(String(chatCall?.[1]?.body))).toEqual({ message: "add a task to call the plumber tomorrow" });
  });

  it("does not refresh tasks after a read-only turn, and continues the conversation", async () => {
    const spy = stubRoutes({
      "GET /api/conversations": () => Response.json([{ id: 9, title: "Earlier", created_at: "", updated_at: "" }]),
      "GET /api/conversations/9/messages": () =>
        Response.json([
          { id: 1, role: "user", content: "hi", tool_calls: null, created_at: "" },
          { id: 2, role: "assistant", content: "hello", tool_calls: null, created_at: "" },
        ]),
      "POST /api/chat": () =>
        Response.json({ conversation_id: 9, response: "You have 0 tasks.", tool_calls: [{ name: "list_tasks", arguments: {}, result: [] }] }),
    });
    const onTasksChanged = vi.fn();
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={onTasksChanged} />);
    await user.click(await screen.findByRole("button", { name: "Earlier" }));
    expect(await screen.findByText("hello")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Message the assistant"), "what is pending?");
    await user.click(screen.getByRole("button", { name: "Send" }));
    expect(await screen.findByText("You have 0 tasks.")).toBeInTheDocument();
    expect(onTasksChanged).not.toHaveBeenCalled();
    const chatCall = spy.mock.calls.find(([, init]) => init?.method === "POST");
    expect(JSON.parse(String(chatCall?.[1]?.body))).toEqual({ message: "what is pending?", conversation_id: 9 });
  });

  it("shows the error and keeps the typed message when the turn fails", async () => {
    stubRoutes({
      "GET /api/conversations": () => Response.json([]),
      "POST /api/chat": () =>
        Response.json({ detail: "the AI assistant is unavailable; your message was saved, please try again shortly" }, { status: 503 }),
    });
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={vi.fn()} />);
    await user.type(screen.getByLabelText("Message the assistant"), "hello{Enter}");
    const form = screen.getByRole("form", { name: "Send a message" });
    expect(await within(form).findByRole("alert")).toHaveTextContent("AI assistant is unavailable");
    expect(screen.getByLabelText("Message the assistant")).toHaveValue("hello");
  });
});
