import { describeToolCall, type DisplayToolCall } from "@/lib/chat";

/** One chip per tool call of a chat turn (a running one while a streamed turn waits for it). */
export function ToolChips({ calls }: { calls: DisplayToolCall[] }) {
  if (!calls.length) return null;
  return (
    <ul aria-label="Tools used" className="mt-2 flex flex-wrap gap-1.5">
      {calls.map((call, index) => {
        const view = describeToolCall(call);
        return (
          <li
            key={`${call.name}-${index}`}
            data-testid="tool-chip"
            data-tool={view.name}
            data-state={view.running ? "running" : view.failed ? "failed" : "done"}
            title={`${view.name}${view.detail ? `: ${view.detail}` : ""}`}
            className={`inline-flex max-w-full items-center gap-1 rounded-full border px-2 py-0.5 text-xs ${
              view.running
                ? "border-slate-300 bg-slate-50 text-slate-700"
                : view.failed
                  ? "border-red-300 bg-red-50 text-red-800"
                  : "border-emerald-300 bg-emerald-50 text-emerald-900"
            }`}
          >
            <span aria-hidden="true">{view.running ? "…" : view.failed ? "⚠" : "✓"}</span>
            <span className="font-mono">{view.name}</span>
            <span className="sr-only">{view.running ? " running: " : view.failed ? " failed: " : " — "}</span>
            {view.detail && <span className="truncate">{view.detail}</span>}
          </li>
        );
      })}
    </ul>
  );
}
