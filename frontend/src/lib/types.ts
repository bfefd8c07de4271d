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

export type ToolCall = Api.ToolCall;
export type ChatRequest = Api.ChatIn;
export type ChatResponse = Api.ChatOut;
export type Conversation = Api.ConversationOut;
export type Message = Api.MessageOut;

export const PRIORITIES: readonly Priority[] = ["low", "medium", "high"];
export const RECURRENCES: readonly Recurrence[] = ["none", "daily", "weekly", "monthly"];
