import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatPanel } from "@/components/ChatPanel";
import { MESSAGE_MAX } from "@/lib/api-limits";

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

/** A streamed turn as the route handler relays it; `hold` keeps the stream open until released. */
function sse(events: Array<[string, unknown]>, hold?: Promise<void>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const [index, [event, data]] of events.entries()) {
        if (hold && index === events.length - 1) await hold;
        controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      }
      controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

const ADDED = { task_id: 2, status: "created", title: "Call the plumber" };
const ADD_CALL = { name: "add_task", arguments: { title: "Call the plumber" }, result: ADDED };

beforeEach(() => {
  window.history.replaceState(null, "", "/tasks");
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("ChatPanel", () => {
  it("streams the reply: text as it arrives, a running chip, then the stored answer", async () => {
    let release: () => void = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    const spy = stubRoutes({
      "GET /api/conversations": [
        () => Response.json([]),
        () => Response.json([{ id: 4, title: "add a task", created_at: "", updated_at: "" }]),
      ],
      "POST /api/chat/stream": () =>
        sse(
          [
            ["start", { conversation_id: 4 }],
            ["tool_call", { name: "add_task", arguments: { title: "Call the plumber" } }],
            ["text", { delta: "Added 'Call the plumber' " }],
            ["tool_result", ADD_CALL],
            ["text", { delta: "(task 2)." }],
            ["done", { conversation_id: 4, response: "Added 'Call the plumber' (task 2).", tool_calls: [ADD_CALL] }],
          ],
          hold,
        ),
    });
    const onTasksChanged = vi.fn();
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={onTasksChanged} />);
    expect(await screen.findByText("No conversations yet.")).toBeInTheDocument();

    await user.type(screen.getByLabelText("Message the assistant"), "add a task to call the plumber tomorrow{Enter}");
    const reply = await screen.findByTestId("chat-assistant");
    // Before `done`: the text so far, still streaming.
    await waitFor(() => expect(reply).toHaveTextContent("Added 'Call the plumber' (task 2)."));
    expect(within(reply).getByTestId("chat-streaming")).toBeInTheDocument();
    expect(onTasksChanged).not.toHaveBeenCalled();
    expect(window.location.search).toBe("?conversation=4");
    release();
    await waitFor(() => expect(within(reply).queryByTestId("chat-streaming")).not.toBeInTheDocument());
    expect(within(reply).getByTestId("tool-chip")).toHaveAttribute("data-state", "done");
    expect(onTasksChanged).toHaveBeenCalledOnce();
    expect(await screen.findByRole("button", { name: "add a task" })).toHaveAttribute("aria-current", "true");

    const chatCall = spy.mock.calls.find(([, init]) => init?.method === "POST");
    const sent = JSON.parse(String(chatCall?.[1]?.body));
    expect(sent.message).toBe("add a task to call the plumber tomorrow");
    expect(sent.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it("shows a tool chip as running while its tool runs", async () => {
    let release: () => void = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    stubRoutes({
      "GET /api/conversations": () => Response.json([]),
      "POST /api/chat/stream": () =>
        sse(
          [
            ["start", { conversation_id: 4 }],
            ["tool_call", { name: "add_task", arguments: { title: "Call the plumber" } }],
            ["done", { conversation_id: 4, response: "ok", tool_calls: [ADD_CALL] }],
          ],
          hold,
        ),
    });
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={vi.fn()} />);
    await user.type(screen.getByLabelText("Message the assistant"), "add call the plumber{Enter}");
    const chip = await screen.findByTestId("tool-chip");
    expect(chip).toHaveAttribute("data-state", "running");
    release();
    await waitFor(() => expect(screen.getByTestId("tool-chip")).toHaveAttribute("data-state", "done"));
  });

  it("reopens the most recent conversation after a reload, or the one in the URL", async () => {
    const routes = {
      "GET /api/conversations": () =>
        Response.json([
          { id: 9, title: "Latest", created_at: "", updated_at: "" },
          { id: 5, title: "Older", created_at: "", updated_at: "" },
        ]),
      "GET /api/conversations/9/messages": () =>
        Response.json([{ id: 1, role: "assistant", content: "latest reply", tool_calls: null, created_at: "" }]),
      "GET /api/conversations/5/messages": () =>
        Response.json([{ id: 2, role: "assistant", content: "older reply", tool_calls: null, created_at: "" }]),
    };
    stubRoutes(routes);
    const first = render(<ChatPanel onTasksChanged={vi.fn()} />);
    expect(await screen.findByText("latest reply")).toBeInTheDocument();
    expect(window.location.search).toBe("?conversation=9");
    first.unmount();

    window.history.replaceState(null, "", "/tasks?view=chat&conversation=5");
    render(<ChatPanel onTasksChanged={vi.fn()} />);
    expect(await screen.findByText("older reply")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Older" })).toHaveAttribute("aria-current", "true");
    expect(window.location.search).toBe("?view=chat&conversation=5"); // other parameters kept
  });

  it("continues the open conversation and does not refresh tasks after a read-only turn", async () => {
    const spy = stubRoutes({
      "GET /api/conversations": () => Response.json([{ id: 9, title: "Earlier", created_at: "", updated_at: "" }]),
      "GET /api/conversations/9/messages": () =>
        Response.json([
          { id: 1, role: "user", content: "hi", tool_calls: null, created_at: "" },
          { id: 2, role: "assistant", content: "hello", tool_calls: null, created_at: "" },
        ]),
      "POST /api/chat/stream": () =>
        sse([
          ["start", { conversation_id: 9 }],
          ["text", { delta: "You have 0 tasks." }],
          ["done", { conversation_id: 9, response: "You have 0 tasks.", tool_calls: [{ name: "list_tasks", arguments: {}, result: [] }] }],
        ]),
    });
    const onTasksChanged = vi.fn();
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={onTasksChanged} />);
    expect(await screen.findByText("hello")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Message the assistant"), "what is pending?");
    await user.click(screen.getByRole("button", { name: "Send" }));
    expect(await screen.findByText("You have 0 tasks.")).toBeInTheDocument();
    expect(onTasksChanged).not.toHaveBeenCalled();
    const chatCall = spy.mock.calls.find(([, init]) => init?.method === "POST");
    expect(JSON.parse(String(chatCall?.[1]?.body))).toMatchObject({ message: "what is pending?", conversation_id: 9 });
  });

  it("shows the error and keeps the typed message when the turn fails before it starts", async () => {
    stubRoutes({
      "GET /api/conversations": () => Response.json([]),
      "POST /api/chat/stream": () =>
        Response.json({ detail: "the AI assistant is unavailable; your message was saved, please try again shortly" }, { status: 503 }),
    });
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={vi.fn()} />);
    await user.type(screen.getByLabelText("Message the assistant"), "hello{Enter}");
    const form = screen.getByRole("form", { name: "Send a message" });
    expect(await within(form).findByRole("alert")).toHaveTextContent("AI assistant is unavailable");
    expect(screen.getByLabelText("Message the assistant")).toHaveValue("hello");
  });

  it("after a failure mid-stream shows the conversation as stored, and why", async () => {
    stubRoutes({
      "GET /api/conversations": () => Response.json([]),
      "POST /api/chat/stream": () =>
        sse([
          ["start", { conversation_id: 3 }],
          ["text", { delta: "Added" }],
          ["error", { detail: "the AI assistant stopped before finishing; your message was saved" }],
        ]),
      "GET /api/conversations/3/messages": () =>
        Response.json([
          { id: 1, role: "user", content: "add milk", tool_calls: null, created_at: "" },
          { id: 2, role: "assistant", content: "Added\n\nI was interrupted before I could finish.", tool_calls: null, created_at: "" },
        ]),
    });
    const onTasksChanged = vi.fn();
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={onTasksChanged} />);
    await user.type(screen.getByLabelText("Message the assistant"), "add milk{Enter}");
    const form = screen.getByRole("form", { name: "Send a message" });
    expect(await within(form).findByRole("alert")).toHaveTextContent("stopped before finishing");
    expect(await screen.findByText(/I was interrupted/)).toBeInTheDocument();
    expect(screen.getByTestId("chat-user")).toHaveTextContent("add milk");
    expect(screen.getByLabelText("Message the assistant")).toHaveValue("");
    expect(onTasksChanged).toHaveBeenCalled();
  });

  it("refuses a message over the API's limit, saying by how much, without sending it", async () => {
    const spy = stubRoutes({ "GET /api/conversations": () => Response.json([]) });
    const user = userEvent.setup();
    render(<ChatPanel onTasksChanged={vi.fn()} />);
    const limit = MESSAGE_MAX;
    const box = screen.getByLabelText("Message the assistant");
    await user.click(box);
    await user.paste("x".repeat(limit + 5));
    expect(screen.getByTestId("chat-count")).toHaveTextContent(`${(limit + 5).toLocaleString("en-US")} / ${limit.toLocaleString("en-US")}`);
    await user.keyboard("{Enter}");
    const form = screen.getByRole("form", { name: "Send a message" });
    expect(within(form).getByRole("alert")).toHaveTextContent(
      `A message can be at most ${limit.toLocaleString("en-US")} characters; this one has ${(limit + 5).toLocaleString("en-US")}.`,
    );
    expect(spy.mock.calls.some(([, init]) => init?.method === "POST")).toBe(false);
  });
});
