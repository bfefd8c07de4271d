// Domain types used by the UI, taken from the backend's OpenAPI schema (api-types.ts is generated
// by `npm run gen:api`; regenerate it when the backend's shapes change).
import type * as Api from "./api-types";

export type Priority = Api.Priority;
export type Recurrence = Api.Recurrence;
export type User = Api.UserOut;
export type Task = Api.TaskOut;
export type TaskList = Api.TaskPage;
type ListQuery = NonNullable<Api.operations["list_tasks"]["parameters"]["query"]>;
export type StatusFilter = NonNullable<ListQuery["status"]>;
export type SortField = NonNullable<ListQuery["sort"]>;
export type SortOrder = NonNullable<ListQuery["order"]>;
/** The list endpoint's query parameter names (checked against the schema). */
export type TaskQueryKey = keyof ListQuery;

/** Fields sent on create and update (a full TaskCreate, also a valid TaskUpdate). */
export interface TaskInput extends Api.TaskCreate {
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  due_at: string | null;
  recurrence: Recurrence;
}

// Chat shapes: not in the backend schema yet (docs/architecture.md "JSON shapes").
export interface ToolCall {
  name: string;
  arguments: unknown;
  result: unknown;
}

export interface ChatResponse {
  conversation_id: number;
  response: string;
  tool_calls: ToolCall[];
}

export interface Conversation {
  id: number;
  title: string | null;
  created_at: string;
  updated_at: string;
}

export interface Message {
  id: number;
  role: "user" | "assistant" | "tool";
  content: string;
  tool_calls: ToolCall[] | null;
  created_at: string;
}

export const PRIORITIES: readonly Priority[] = ["low", "medium", "high"];
export const RECURRENCES: readonly Recurrence[] = ["none", "daily", "weekly", "monthly"];
